// The stats area's public surface: import from here in app.ts and the control API.
export * from './record.js'
export * from './usage-tap.js'
export * from './store.js'
export * from './live.js'
export * from './metrics.js'
export * from './access-log.js'
