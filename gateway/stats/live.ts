// Live numbers for the UI's charts: requests in flight, requests and tokens per second
// over the last few seconds, queue depth. The control API streams them over SSE: a
// `tick` each second while anyone listens (no timer at all otherwise), and a `request`
// event as each request ends.
import type { RequestRecord } from './record.js'

const TICK_MS = 1000
const WINDOW_MS = 5000
const BUCKET_MS = 1000

export interface LiveSnapshot {
  inFlight: number
  /** Requests that ended per second, over the window. */
  rps: number
  /** Completion tokens generated per second, over the window. */
  tps: number
  /** Requests that ended with an error per second, over the window. */
  eps: number
  queueDepth: number
  ts: number
}

export type LiveEvent =
  ({ type: 'tick' } & LiveSnapshot) | { type: 'request'; record: RequestRecord }

export type LiveListener = (event: LiveEvent) => void

export interface LiveStatsOptions {
  now?: () => number
  tickMs?: number
  /** Length of the window the rates are averaged over, in whole seconds. */
  windowMs?: number
}

interface Bucket {
  /** Start of the bucket's second; buckets whose start left the ring are stale. */
  start: number
  requests: number
  errors: number
  tokens: number
}

export class LiveStats {
  private inFlight = 0
  private queueDepth: () => number = () => 0
  /** Tokens a second of the streams running now; null: streams count when they end. */
  private streamRate: (() => number) | null = null
  private readonly listeners = new Set<LiveListener>()
  private timer: NodeJS.Timeout | null = null
  private readonly buckets: Bucket[]
  private readonly now: () => number
  private readonly tickMs: number
  private readonly windowMs: number

  constructor(opts: LiveStatsOptions = {}) {
    this.now = opts.now ?? Date.now
    this.tickMs = opts.tickMs ?? TICK_MS
    this.windowMs = Math.max(1, Math.round((opts.windowMs ?? WINDOW_MS) / BUCKET_MS)) * BUCKET_MS
    const size = this.windowMs / BUCKET_MS + 1
    this.buckets = Array.from({ length: size }, () => ({
      start: -1,
      requests: 0,
      errors: 0,
      tokens: 0,
    }))
  }

  onRequestStart(): void {
    this.inFlight++
  }

  /**
   * Call once per onRequestStart (also for refused and limited requests).
   * `counted: false` only ends it (metrics scrapes are not traffic to chart).
   */
  onRequestEnd(record: RequestRecord, counted = true): void {
    if (this.inFlight > 0) this.inFlight--
    if (!counted) return
    const end = this.now()
    const bucket = this.bucketAt(end)
    bucket.requests++
    if (record.status >= 400 || record.outcome === 'backend_error') bucket.errors++
    this.spreadTokens(record, end)
    this.emit({ type: 'request', record })
  }

  /** Where the fair queue's depth comes from (read at each snapshot). */
  setQueueDepth(fn: () => number): void {
    this.queueDepth = fn
  }

  /**
   * Where the running streams' rate comes from (the owner's registry of requests in flight).
   * With it, `tps` is that rate plus the answers that came at once (under a second of
   * generation); a longer stream counts while it runs and not again when it ends, so the
   * number follows the stream and falls to 0 when it stops.
   */
  setStreamRate(fn: () => number): void {
    this.streamRate = fn
  }

  snapshot(): LiveSnapshot {
    const now = this.now()
    let requests = 0
    let errors = 0
    let tokens = 0
    for (const bucket of this.buckets) {
      // The current (partial) second and the whole seconds before it, inside the window.
      if (bucket.start <= now - this.windowMs || bucket.start > now) continue
      requests += bucket.requests
      errors += bucket.errors
      tokens += bucket.tokens
    }
    // The buckets cover from the start of the oldest one counted to now: between
    // window − 1 s and window. Dividing by that span keeps a steady rate exact.
    const oldestStart = Math.floor(now / BUCKET_MS) * BUCKET_MS - this.windowMs + BUCKET_MS
    const seconds = Math.max(BUCKET_MS, now - oldestStart) / 1000
    let queueDepth = 0
    let streaming = 0
    try {
      queueDepth = this.queueDepth()
      streaming = this.streamRate?.() ?? 0
    } catch {
      // a broken source reads as empty
    }
    return {
      inFlight: this.inFlight,
      rps: round(requests / seconds),
      tps: round(tokens / seconds + streaming),
      eps: round(errors / seconds),
      queueDepth,
      ts: now,
    }
  }

  /** Listens to ticks and request events; returns the unsubscribe function. */
  subscribe(fn: LiveListener): () => void {
    this.listeners.add(fn)
    if (this.timer === null) {
      this.timer = setInterval(() => this.emit({ type: 'tick', ...this.snapshot() }), this.tickMs)
      this.timer.unref()
    }
    return () => {
      this.listeners.delete(fn)
      if (this.listeners.size === 0 && this.timer !== null) {
        clearInterval(this.timer)
        this.timer = null
      }
    }
  }

  /** Whether the tick timer runs (only while someone subscribes). */
  get ticking(): boolean {
    return this.timer !== null
  }

  get subscribers(): number {
    return this.listeners.size
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event)
      } catch {
        // one broken subscriber must not break the request path or the others
      }
    }
  }

  private bucketAt(ts: number): Bucket {
    const start = Math.floor(ts / BUCKET_MS) * BUCKET_MS
    const bucket = this.buckets[Math.floor(start / BUCKET_MS) % this.buckets.length]!
    if (bucket.start > start) return { start, requests: 0, errors: 0, tokens: 0 } // too old
    if (bucket.start !== start) {
      bucket.start = start
      bucket.requests = 0
      bucket.errors = 0
      bucket.tokens = 0
    }
    return bucket
  }

  /**
   * Spreads the completion tokens evenly over the generation time (first byte to end),
   * so a long stream that ends now adds only its last seconds' share to the rate.
   */
  private spreadTokens(record: RequestRecord, end: number): void {
    const tokens = record.completionTokens ?? 0
    if (tokens <= 0) return
    const genStart = end - Math.max(0, record.durationMs - (record.ttfbMs ?? 0))
    const genMs = end - genStart
    if (genMs >= BUCKET_MS && this.streamRate !== null) return // counted while it ran
    if (genMs < BUCKET_MS) {
      this.bucketAt(end).tokens += tokens
      return
    }
    const oldest = Math.max(genStart, end - this.windowMs)
    for (let t = Math.floor(oldest / BUCKET_MS) * BUCKET_MS; t <= end; t += BUCKET_MS) {
      const overlap = Math.min(end, t + BUCKET_MS) - Math.max(genStart, t)
      if (overlap > 0) this.bucketAt(t).tokens += (tokens * overlap) / genMs
    }
  }
}

const round = (n: number): number => Math.round(n * 100) / 100
