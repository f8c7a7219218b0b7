// Stopping a running gateway within a bound, wherever it runs (the gateway child on 'stop',
// or in the same process in tests): `running.close()` gives LAN streams the grace period,
// but waits for the control listener's connections to end, and an open UI's live feed never
// does, so those are cut after the grace period. Past the hard limit it gives up waiting.
import type { RunningCorral } from '../server.js'
import type { Logger } from '../util/logger.js'

/** After the grace period, how long before the control listener's own streams are cut. */
export const CONTROL_CUT_AFTER_GRACE_MS = 1000
/** After the grace period, how long before stopping gives up waiting. */
export const HARD_LIMIT_AFTER_GRACE_MS = 5000

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
