// The fleet burst's client (bench/fleet.mjs): connections opened beforehand, then `size`
// streaming chats sent in the same tick, spread over the target's origins (one for a
// gateway; the four backends, in turn, for direct). Each chat's time to first byte, and each
// token's delay: received here minus the backend's `sent_at` stamp, on one clock.
import { performance } from 'node:perf_hooks'
import { drain, newPool, timedStream } from './load.mjs'
import { Samples } from './stats.mjs'

const now = () => performance.now()

/** A pool per origin with `connections` spread over them, every connection opened. */
export async function openPools(origins, connections, warmRequest) {
  const per = Math.ceil(connections / origins.length)
  const pools = origins.map((origin) => newPool(origin, per))
  await Promise.all(
    pools.flatMap((pool) =>
      Array.from({ length: per }, async () => {
        const res = await pool.request(warmRequest)
        await drain(res.body)
      }),
    ),
  )
  return pools
}

/** `size` chats at once; resolves when every one has ended. */
export async function burst(pools, request, size, clockOffsetMs) {
  const ttfb = new Samples()
  const frameDelay = new Samples()
  const up = new Samples()
  const r = { size, complete: 0, frames: 0, errors: 0, statuses: {}, firstError: null }
  const one = (pool) => timedStream(pool, request, { ttfb, frameDelay, up, r }, clockOffsetMs)
  const t0 = now()
  await Promise.all(
    Array.from({ length: size }, (_, i) =>
      one(pools[i % pools.length]).catch((err) => {
        r.errors++
        r.firstError ??= err.code ?? err.message
      }),
    ),
  )
  return {
    ...r,
    elapsedMs: now() - t0,
    ttfbMs: ttfb.summary(),
    frameDelayMs: frameDelay.summary(),
    upMs: up.summary(),
  }
}
