// The load generator: small closed-loop and paced HTTP clients and a many-streams client, on
// undici, in the benchmark's own process. Every loop is bounded by a deadline and ends by itself.
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { Samples } from './stats.mjs'

const now = () => performance.now()
const wallNow = () => performance.timeOrigin + performance.now()
export const SENT_AT = '"sent_at":'
export const DONE_TRUE = '"done":true'

export function newPool(origin, connections) {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 120_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  })
}

/** Reads a response body to its end, discarding it. */
export async function drain(body) {
  for await (const chunk of body) void chunk
}

/** One request, body read to the end; returns the status. Throws on network errors. */
async function once(pool, req) {
  const res = await pool.request(req)
  await drain(res.body)
  return res.statusCode
}

class Tally {
  latency = new Samples()
  ok = 0
  errors = 0
  /** Status codes other than 200, counted. */
  statuses = {}
  firstError = null

  add(status, ms) {
    if (status === 200) {
      this.ok++
      this.latency.push(ms)
    } else {
      this.errors++
      this.statuses[status] = (this.statuses[status] ?? 0) + 1
    }
  }

  fail(err) {
    this.errors++
    this.firstError ??= err.code ?? err.message
  }

  result(elapsedMs) {
    return {
      ok: this.ok,
      errors: this.errors,
      statuses: this.statuses,
      firstError: this.firstError,
      rps: this.ok / (elapsedMs / 1000),
      latencyMs: this.latency.summary(),
    }
  }
}

/**
 * Closed loop: `connections` clients, each sending its next request as soon as the last one
 * ended, for `durationMs` (after `warmupMs` not counted). Measures the most the target can do.
 */
export async function closedLoop({ origin, request, connections, durationMs, warmupMs = 0 }) {
  const pool = newPool(origin, connections)
  const run = async (ms, tally) => {
    const end = now() + ms
    const worker = async () => {
      while (now() < end) {
        const t0 = now()
        try {
          const status = await once(pool, request)
          tally?.add(status, now() - t0)
        } catch (err) {
          tally?.fail(err)
        }
      }
    }
    await Promise.all(Array.from({ length: connections }, worker))
  }
  try {
    if (warmupMs > 0) await run(warmupMs, null)
    const tally = new Tally()
    const t0 = now()
    await run(durationMs, tally)
    return tally.result(now() - t0)
  } finally {
    await pool.close()
  }
}

/**
 * Open loop at a fixed rate over `connections` kept-alive connections: the per-request cost
 * of the hop without queueing behind other requests (latency from when each request was sent).
 */
export async function paced({ origin, request, connections, rps, durationMs, warmupMs = 0 }) {
  const pool = newPool(origin, connections)
  const run = async (ms, tally) => {
    const start = now()
    const end = start + ms
    const interval = 1000 / rps
    const inflight = new Set()
    for (let i = 0; ; i++) {
      const due = start + i * interval
      if (due >= end) break
      const wait = due - now()
      if (wait >= 1) await sleep(Math.floor(wait))
      const t0 = now()
      const p = once(pool, request).then(
        (status) => tally?.add(status, now() - t0),
        (err) => tally?.fail(err),
      )
      inflight.add(p)
      void p.finally(() => inflight.delete(p))
    }
    await Promise.all(inflight)
  }
  try {
    // Open every connection first, so no measured request pays for a connect.
    await Promise.all(Array.from({ length: connections }, () => once(pool, request).catch(() => 0)))
    if (warmupMs > 0) await run(warmupMs, null)
    const tally = new Tally()
    const t0 = now()
    await run(durationMs, tally)
    return tally.result(now() - t0)
  } finally {
    await pool.close()
  }
}

/**
 * `streams` concurrent streaming requests held for `durationMs` (each client starts its next
 * stream when one ends), started evenly over `rampMs` on connections opened beforehand.
 * Measures time to first body byte and, for every frame, receive time minus the backend's
 * `sent_at` stamp (corrected by `clockOffsetMs`, the backend's clock minus ours).
 * `tick` is called every 100 ms while streams run (memory sampling).
 */
export async function manyStreams({
  origin,
  request,
  warmRequest,
  streams,
  durationMs,
  rampMs,
  clockOffsetMs = 0,
  tick = () => {},
}) {
  const pool = newPool(origin, streams)
  const ttfb = new Samples()
  const frameDelay = new Samples()
  const r = { streams: 0, complete: 0, frames: 0, errors: 0, statuses: {}, firstError: null }
  const fail = (err) => {
    r.errors++
    r.firstError ??= err.code ?? err.message
  }

  const oneStream = async () => {
    if (await timedStream(pool, request, { ttfb, frameDelay, r }, clockOffsetMs)) r.streams++
  }

  const sampler = setInterval(tick, 100)
  try {
    // One small request per connection first: every stream then starts on an open connection.
    await Promise.all(Array.from({ length: streams }, () => once(pool, warmRequest).catch(fail)))
    const start = now()
    const end = start + durationMs
    const client = async (i) => {
      await sleep(Math.max(0, start + (i * rampMs) / streams - now()))
      while (now() < end) {
        try {
          await oneStream()
        } catch (err) {
          fail(err)
          await sleep(10)
        }
      }
    }
    await Promise.all(Array.from({ length: streams }, (_, i) => client(i)))
    return {
      ...r,
      elapsedMs: now() - start,
      ttfbMs: ttfb.summary(),
      frameDelayMs: frameDelay.summary(),
    }
  } finally {
    clearInterval(sampler)
    await pool.close()
  }
}

/**
 * One streamed request, read to its end: its time to first byte into `t.ttfb`, each stamped
 * frame's delay (received here minus the backend's `sent_at`, on one clock) into
 * `t.frameDelay`, and frames, completions, statuses and errors into `t.r`. Resolves true when
 * the answer was a 200.
 */
export async function timedStream(pool, request, t, clockOffsetMs) {
  const { r } = t
  const t0 = now()
  const sentWall = wallNow()
  const res = await pool.request(request)
  if (res.statusCode !== 200) {
    r.statuses[res.statusCode] = (r.statuses[res.statusCode] ?? 0) + 1
    r.errors++
    await drain(res.body)
    return false
  }
  let first = true
  let firstStamp = true
  let carry = ''
  let done = false
  await new Promise((resolve, reject) => {
    res.body.on('data', (chunk) => {
      const at = wallNow()
      if (first) {
        first = false
        t.ttfb.push(now() - t0)
      }
      const text = carry + chunk.toString('latin1')
      let start = 0
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const i = text.lastIndexOf(SENT_AT, nl)
        if (i >= start) {
          const stamped = parseFloat(text.slice(i + SENT_AT.length, nl)) - clockOffsetMs
          t.frameDelay.push(at - stamped)
          // The way there: sent here to the backend's stamp on its first frame.
          if (firstStamp) t.up?.push(stamped - sentWall)
          firstStamp = false
          r.frames++
        }
        if (text.lastIndexOf(DONE_TRUE, nl) >= start) done = true
        start = nl + 1
      }
      carry = text.slice(start)
    })
    res.body.once('end', resolve)
    res.body.once('error', reject)
  })
  if (done) r.complete++
  else {
    r.errors++
    r.firstError ??= 'stream ended without a done frame'
  }
  return true
}
