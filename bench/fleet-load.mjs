// The fleet burst's client (bench/fleet.mjs): connections opened beforehand, then `size`
// streaming chats sent in the same tick, spread over the target's origins (one for a
// gateway; the four backends, in turn, for direct). Each chat's time to first byte, and each
// token's delay: received here minus the backend's `sent_at` stamp, on one clock.
import { performance } from 'node:perf_hooks'
import { Pool } from 'undici'
import { Samples } from './stats.mjs'

const now = () => performance.now()
const wallNow = () => performance.timeOrigin + performance.now()
const SENT_AT = '"sent_at":'
const DONE_TRUE = '"done":true'

/** A pool per origin with `connections` spread over them, every connection opened. */
export async function openPools(origins, connections, warmRequest) {
  const per = Math.ceil(connections / origins.length)
  const pools = origins.map(
    (origin) =>
      new Pool(origin, {
        connections: per,
        pipelining: 1,
        keepAliveTimeout: 120_000,
        keepAliveMaxTimeout: 600_000,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      }),
  )
  await Promise.all(
    pools.flatMap((pool) =>
      Array.from({ length: per }, async () => {
        const res = await pool.request(warmRequest)
        for await (const chunk of res.body) void chunk
      }),
    ),
  )
  return pools
}

/** `size` chats at once; resolves when every one has ended. */
export async function burst(pools, request, size, clockOffsetMs) {
  const ttfb = new Samples()
  const frameDelay = new Samples()
  const r = { size, complete: 0, frames: 0, errors: 0, statuses: {}, firstError: null }
  const one = async (pool) => {
    const t0 = now()
    const res = await pool.request(request)
    if (res.statusCode !== 200) {
      r.statuses[res.statusCode] = (r.statuses[res.statusCode] ?? 0) + 1
      r.errors++
      for await (const chunk of res.body) void chunk
      return
    }
    let first = true
    let carry = ''
    let done = false
    for await (const chunk of res.body) {
      const at = wallNow()
      if (first) {
        first = false
        ttfb.push(now() - t0)
      }
      const text = carry + chunk.toString('latin1')
      let start = 0
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const i = text.lastIndexOf(SENT_AT, nl)
        if (i >= start) {
          frameDelay.push(at - (parseFloat(text.slice(i + SENT_AT.length, nl)) - clockOffsetMs))
          r.frames++
        }
        if (text.lastIndexOf(DONE_TRUE, nl) >= start) done = true
        start = nl + 1
      }
      carry = text.slice(start)
    }
    if (done) r.complete++
    else {
      r.errors++
      r.firstError ??= 'stream ended without a done frame'
    }
  }
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
  }
}
