// The Ollama stand-in: a real HTTP server built from Ollama's own source (v0.33), so tests see
// what a real Ollama sends. Each behaviour cites the Ollama file it copies. See server.ts.
export type { FakeModel, FakeOllama, FakeOllamaOptions, Fault, RecordedRequest } from './types.js'
export { startFakeOllama } from './server.js'
export { BUSY_MESSAGE } from './util.js'
export { allowedOrigins } from './guards.js'
export { modelKey, parseRef } from './names.js'
export { sortedKeys } from './responses.js'
