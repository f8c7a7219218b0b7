// The fair queue's shapes (fair-queue.ts): what callers pass and get back, and the waiters
// and per-key lists it keeps, with the defaults it starts from.

/** Releases the slot (idempotent). `waitedMs` is how long the request waited in the queue (0: not queued). */
export interface Release {
  (): void
  readonly waitedMs: number
}

/** Schedules `fn` after `ms`; returns a function that cancels it. */
export type SetTimer = (fn: () => void, ms: number) => () => void

export interface FairQueueOptions {
  capacity: number
  maxQueuedPerKey: number
  maxWaitMs: number
  /** Milliseconds; injected by tests. */
  now?: () => number
  /** Injected by tests; the default uses an unref'd `setTimeout`. */
  setTimer?: SetTimer
}

export interface AcquireOptions {
  /** Aborting removes the waiter at once and rejects with `AbortError`. */
  signal?: AbortSignal
  /** Goes before every non-priority waiter. */
  priority?: boolean
}

export interface FairQueueStats {
  capacity: number
  active: number
  queued: number
  queuedByKey: Record<string, number>
  activeByKey: Record<string, number>
}

export interface Waiter {
  key: KeyState
  seq: number
  priority: boolean
  enqueuedAt: number
  resolve: (release: Release) => void
  reject: (error: Error) => void
  cancelTimer: () => void
  detachAbort: () => void
}

export interface KeyState {
  id: string
  normal: Set<Waiter>
  priority: Set<Waiter>
  active: number
  /** The turn number of this key's latest grant (0: never, or not since it went idle). */
  lastServed: number
}

/** Used for Retry-After estimates until a slot has been held and released once. */
export const DEFAULT_HOLD_ESTIMATE_MS = 5_000
export const HOLD_EWMA_WEIGHT = 0.2

export const defaultSetTimer: SetTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms)
  timer.unref()
  return () => clearTimeout(timer)
}

export function firstOf(set: Set<Waiter>): Waiter | undefined {
  for (const waiter of set) return waiter
  return undefined
}
