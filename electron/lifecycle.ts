// Staying alive in the tray, and quitting cleanly: the first quit request is held
// until the gateway has stopped accepting, let streams in flight finish (for
// `server.shutdownGraceMs` at most), withdrawn mDNS, flushed stats and removed
// control.json; then the app really quits. The gateway does that itself when asked to stop
// (gateway/child/main.ts, bounded by gateway/child/close.ts; the supervisor kills a child
// that takes longer than STOP_TIMEOUT_MS).
import { app } from 'electron'
import type { Logger } from '../gateway/util/logger.js'
import { messageOf } from './gateway.js'

export interface LifecycleOptions {
  /** Stops the gateway (gateway-link.ts); resolves once it has stopped. */
  stopGateway: () => Promise<void>
  logger: Logger
  /** Runs as quitting starts: let windows close, stop timers and notifications. */
  beforeShutdown: () => void
  /** Runs once the gateway is down, just before the app quits (remove the tray). */
  afterShutdown: () => void
  /** macOS: the dock icon was clicked. */
  onActivate?: () => void
}

export interface Lifecycle {
  /** Resolves when shutdown has finished (null until quitting starts). */
  stopped(): Promise<void> | null
  dispose(): void
}

export function setupLifecycle(opts: LifecycleOptions): Lifecycle {
  let stopping: Promise<void> | null = null
  let done = false

  // A tray app: closing its last window does not quit it.
  const stay = () => {}
  const onBeforeQuit = (event: Electron.Event) => {
    if (done) return
    event.preventDefault()
    stopping ??= shutdown(opts).finally(() => {
      done = true
      app.quit()
    })
  }
  const onActivate = () => opts.onActivate?.()
  const onSignal = () => app.quit()
  app.on('window-all-closed', stay)
  app.on('before-quit', onBeforeQuit)
  app.on('activate', onActivate)
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    stopped: () => stopping,
    dispose() {
      app.off('window-all-closed', stay)
      app.off('before-quit', onBeforeQuit)
      app.off('activate', onActivate)
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

async function shutdown(opts: LifecycleOptions): Promise<void> {
  try {
    opts.beforeShutdown()
    await opts.stopGateway()
  } catch (err) {
    opts.logger.error(`Shutdown failed: ${messageOf(err)}`)
  } finally {
    opts.afterShutdown()
  }
}
