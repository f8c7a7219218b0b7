// Tokens per rolling minute per key. A request's prompt is charged as an estimate when it is
// admitted (limits/prompt-estimate.ts) and settled to the backend's count when its response
// ends, so a key may overshoot by what its requests in flight generate; the next request after
// the budget is spent is refused until enough of the last minute has rolled off.

const WINDOW_SECONDS = 60
const MS_PER_SECOND = 1000

/** Tokens charged to one second (a request's estimate, settled when its count is known). */
export interface TokenCharge {
  second: number
  tokens: number
}

export type TokenCheck =
  | { ok: true; remaining: number; resetSeconds: number }
  | { ok: false; retryAfterSeconds: number; remaining: 0; resetSeconds: number }

/** One key's window: 60 one-second buckets, indexed by `second % 60`. */
interface KeyWindow {
  seconds: number[]
  tokens: number[]
}

export interface TokenMeterOptions {
  /** Milliseconds since the epoch; injected by tests. */
  now?: () => number
}

/** A rolling 60-second token meter with per-second buckets. */
export class TokenMeter {
  readonly #now: () => number
  readonly #windows = new Map<string, KeyWindow>()

  constructor(opts: TokenMeterOptions = {}) {
    this.#now = opts.now ?? Date.now
  }

  /**
   * Whether `keyId` may start another request under `limitPerMinute` (null: no limit).
   * Refused once the tokens charged in the last 60 s reach the limit; `retryAfterSeconds` is
   * when enough tokens roll off to go under it, `resetSeconds` when the window is empty.
   */
  check(keyId: string, limitPerMinute: number | null): TokenCheck {
    const nowMs = this.#now()
    const window = this.#windows.get(keyId)
    if (window === undefined) {
      return { ok: true, remaining: limitPerMinute ?? Infinity, resetSeconds: 0 }
    }
    // Oldest second first, straight from the slots (no list, no sort: this runs per request).
    const nowSecond = Math.floor(nowMs / MS_PER_SECOND)
    let used = 0
    let newest = -1
    for (let second = nowSecond - WINDOW_SECONDS + 1; second <= nowSecond; second++) {
      const tokens = tokensAt(window, second)
      if (tokens > 0) {
        used += tokens
        newest = second
      }
    }
    const resetSeconds = newest === -1 ? 0 : secondsUntilExpiry(newest, nowMs)
    if (limitPerMinute === null || used < limitPerMinute) {
      const remaining = limitPerMinute === null ? Infinity : limitPerMinute - used
      return { ok: true, remaining, resetSeconds }
    }
    let retryAfterSeconds = resetSeconds
    for (let second = nowSecond - WINDOW_SECONDS + 1; second <= nowSecond; second++) {
      const tokens = tokensAt(window, second)
      if (tokens <= 0) continue
      used -= tokens
      if (used < limitPerMinute) {
        retryAfterSeconds = secondsUntilExpiry(second, nowMs)
        break
      }
    }
    return { ok: false, retryAfterSeconds, remaining: 0, resetSeconds }
  }

  /**
   * Adds `tokens` (prompt + completion) to `keyId`'s current second; returns what was charged
   * and when, for settle(), or null when nothing was.
   */
  charge(keyId: string, tokens: number): TokenCharge | null {
    if (!Number.isFinite(tokens) || tokens <= 0) return null
    const second = Math.floor(this.#now() / MS_PER_SECOND)
    let window = this.#windows.get(keyId)
    if (!window) {
      window = {
        seconds: new Array<number>(WINDOW_SECONDS).fill(-1),
        tokens: new Array<number>(WINDOW_SECONDS).fill(0),
      }
      this.#windows.set(keyId, window)
    }
    const slot = second % WINDOW_SECONDS
    if (window.seconds[slot] !== second) {
      window.seconds[slot] = second
      window.tokens[slot] = 0
    }
    window.tokens[slot] = (window.tokens[slot] ?? 0) + tokens
    return { second, tokens }
  }

  /**
   * A request charged `charged` (its prompt's estimate, at admission) used `actual` tokens in
   * the end: more is charged now; less is given back to the second the estimate went into,
   * while that second is still in the window.
   */
  settle(keyId: string, charged: TokenCharge | null, actual: number): void {
    const before = charged?.tokens ?? 0
    if (!Number.isFinite(actual) || actual >= before) {
      this.charge(keyId, actual - before)
      return
    }
    const window = this.#windows.get(keyId)
    const slot = charged!.second % WINDOW_SECONDS
    if (window === undefined || window.seconds[slot] !== charged!.second) return
    window.tokens[slot] = Math.max(0, (window.tokens[slot] ?? 0) - (before - actual))
  }

  /** Tokens `keyId` was charged in the last 60 s. */
  usage(keyId: string): number {
    let used = 0
    for (const bucket of this.#liveBuckets(keyId, this.#now())) used += bucket.tokens
    return used
  }

  /** Drops a key's history (a deleted key) and the windows of keys idle for a minute. */
  forget(keyId?: string): void {
    if (keyId !== undefined) {
      this.#windows.delete(keyId)
      return
    }
    const nowMs = this.#now()
    for (const id of [...this.#windows.keys()]) {
      if (this.#liveBuckets(id, nowMs).length === 0) this.#windows.delete(id)
    }
  }

  /** The buckets of the last 60 s that hold tokens, oldest first. */
  #liveBuckets(keyId: string, nowMs: number): { second: number; tokens: number }[] {
    const window = this.#windows.get(keyId)
    if (!window) return []
    const nowSecond = Math.floor(nowMs / MS_PER_SECOND)
    const live: { second: number; tokens: number }[] = []
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      const second = window.seconds[i] ?? -1
      const tokens = window.tokens[i] ?? 0
      if (second > nowSecond - WINDOW_SECONDS && second <= nowSecond && tokens > 0)
        live.push({ second, tokens })
    }
    return live.sort((a, b) => a.second - b.second)
  }
}

/** Tokens charged to `second` if its slot still holds that second, else 0. */
function tokensAt(window: KeyWindow, second: number): number {
  const slot = second % WINDOW_SECONDS
  return slot >= 0 && window.seconds[slot] === second ? (window.tokens[slot] ?? 0) : 0
}

/** Whole seconds (at least 1) until the bucket of `second` leaves the window. */
function secondsUntilExpiry(second: number, nowMs: number): number {
  const expiresMs = (second + WINDOW_SECONDS) * MS_PER_SECOND
  return Math.max(1, Math.ceil((expiresMs - nowMs) / MS_PER_SECOND))
}
