// Staying alive in the tray, and quitting cleanly: the first quit request is held
// until the gateway has stopped accepting, let streams in flight finish (for
// `server.shutdownGraceMs` at most), withdrawn mDNS, flushed stats and removed
// control.json; then the app really quits.
import { app } from 'electron'
import type { RunningCorral } from '../gateway/server.js'
import type { Logger } from '../gateway/util/logger.js'
import { messageOf } from './gateway.js'

/** After the grace period, how long before the control listener's own streams are cut. */
export const CONTROL_CUT_AFTER_GRACE_MS = 1000
/** After the grace period, how long before the app quits whatever is still pending. */
export const HARD_LIMIT_AFTER_GRACE_MS = 5000

export interface LifecycleOptions {
  running: RunningCorral | null
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
    if (opts.running) await closeBounded(opts.running, opts.logger)
  } catch (err) {
    opts.logger.error(`Shutdown failed: ${messageOf(err)}`)
  } finally {
    opts.afterShutdown()
  }
}

/**
 * `running.close()` gives LAN streams the grace period, but waits for the control
 * listener's connections to end, and an open UI's live-stats stream never does: those are
 * cut after the grace period. Past the hard limit the app quits anyway.
 */
export async function closeBounded(running: RunningCorral, logger: Logger): Promise<void> {
  const grace = running.corral.config.server.shutdownGraceMs
  const timers: NodeJS.Timeout[] = []
  const after = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms))
  after(grace + CONTROL_CUT_AFTER_GRACE_MS, () => running.control.server.closeAllConnections())
  const limit = new Promise<'timeout'>((resolve) =>
    after(grace + HARD_LIMIT_AFTER_GRACE_MS, () => resolve('timeout')),
  )
  try {
    const result = await Promise.race([running.close().then(() => 'closed' as const), limit])
    if (result === 'timeout') logger.error('Corral took too long to stop; quitting anyway.')
  } finally {
    for (const t of timers) clearTimeout(t)
  }
}
