// Per-frame delay is "received here" minus "sent_at stamped by the backend", two readings of
// `performance.timeOrigin + performance.now()` in two processes. That is one clock only if
// both processes' time origins agree: Node sets timeOrigin from the wall clock once at start
// and then counts CLOCK_MONOTONIC, which NTP slews at the same rate as the wall clock, so two
// processes on one machine agree to within microseconds unless the wall clock was stepped in
// between. This checks it rather than assuming it: NTP-style pings over the IPC channel, the
// offset read from the sample with the shortest round trip.
import { performance } from 'node:perf_hooks'

const now = () => performance.timeOrigin + performance.now()

/**
 * Offset of the child's clock from ours (child minus ours, ms) and the round trip of the
 * best sample: the true offset lies within ±rtt/2 of the estimate.
 */
export async function clockOffset(child, samples = 50) {
  let best = { offsetMs: NaN, rttMs: Infinity }
  for (let id = 0; id < samples; id++) {
    const t0 = now()
    const at = await new Promise((resolve) => {
      const onMessage = (msg) => {
        if (msg?.type !== 'clock' || msg.id !== id) return
        child.off('message', onMessage)
        resolve(msg.at)
      }
      child.on('message', onMessage)
      child.send({ type: 'clock', id })
    })
    const t1 = now()
    if (t1 - t0 < best.rttMs) best = { offsetMs: at - (t0 + t1) / 2, rttMs: t1 - t0 }
  }
  return best
}

/** How far our own performance clock has drifted from Date.now() since this process started. */
export function driftFromWallClockMs() {
  return now() - Date.now()
}
