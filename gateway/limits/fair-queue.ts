// The fair queue: one per backend. Up to `capacity` requests run at once; the rest wait in
// per-key FIFO lists and, whenever a slot frees, the key that was served longest ago goes next
// (round-robin across keys), so one key with 50 queued requests delays another key's single
// request by at most one slot. Priority waiters (the owner's loopback requests when
// `queue.localPriority` is on) go before everyone else, in the same fair order among themselves.

import { AbortError, QueueFullError, QueueTimeoutError } from './queue-errors.js'
import {
  DEFAULT_HOLD_ESTIMATE_MS,
  defaultSetTimer,
  firstOf,
  HOLD_EWMA_WEIGHT,
  type AcquireOptions,
  type FairQueueOptions,
  type FairQueueStats,
  type KeyState,
  type Release,
  type SetTimer,
  type Waiter,
} from './fair-queue-types.js'

export { AbortError, QueueFullError, QueueTimeoutError }
export type { AcquireOptions, FairQueueOptions, FairQueueStats, Release, SetTimer }

export class FairQueue {
  #capacity: number
  #maxQueuedPerKey: number
  #maxWaitMs: number
  readonly #now: () => number
  readonly #setTimer: SetTimer
  readonly #keys = new Map<string, KeyState>()
  /** Keys whose waiters stay queued until released (the owner paused them with "wait"). */
  readonly #held = new Set<string>()
  #active = 0
  #queued = 0
  #priorityQueued = 0
  #turn = 0
  #seq = 0
  #avgHoldMs: number | null = null

  constructor(opts: FairQueueOptions) {
    this.#capacity = opts.capacity
    this.#maxQueuedPerKey = opts.maxQueuedPerKey
    this.#maxWaitMs = opts.maxWaitMs
    this.#now = opts.now ?? Date.now
    this.#setTimer = opts.setTimer ?? defaultSetTimer
  }

  /**
   * A slot at once, when one is free and nobody is waiting; else null (then `acquire()`
   * waits in turn). Needs no promise and no abort signal: the common case on a quiet backend.
   */
  tryAcquire(keyId: string): Release | null {
    if (this.#active >= this.#capacity) return null
    if (this.#queued !== 0 || this.#held.size !== 0) {
      if (!this.#mayJump(keyId)) return null
    }
    return this.#grant(this.#keyState(keyId), 0)
  }

  /**
   * Waits for a slot. Resolves with a `Release` (call it once the response has ended; extra
   * calls do nothing) carrying `waitedMs`. Rejects with `QueueFullError` when the key already
   * has `maxQueuedPerKey` waiting, `QueueTimeoutError` after `maxWaitMs`, `AbortError` when
   * `signal` aborts (the waiter leaves the queue at once).
   */
  acquire(keyId: string, opts: AcquireOptions = {}): Promise<Release> {
    const { signal, priority = false } = opts
    if (signal?.aborted) return Promise.reject(new AbortError({ cause: signal.reason }))
    const key = this.#keyState(keyId)
    if (this.#active < this.#capacity && this.#mayJump(keyId))
      return Promise.resolve(this.#grant(key, 0))
    if (key.normal.size + key.priority.size >= this.#maxQueuedPerKey) {
      this.#prune(key)
      return Promise.reject(new QueueFullError(keyId, this.#estimateWaitSeconds()))
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        key,
        seq: ++this.#seq,
        priority,
        enqueuedAt: this.#now(),
        resolve,
        reject,
        cancelTimer: () => {},
        detachAbort: () => {},
      }
      this.#schedule(waiter, this.#maxWaitMs)
      if (signal) {
        const onAbort = () => this.#fail(waiter, new AbortError({ cause: signal.reason }))
        signal.addEventListener('abort', onAbort, { once: true })
        waiter.detachAbort = () => signal.removeEventListener('abort', onAbort)
      }
      ;(priority ? key.priority : key.normal).add(waiter)
      this.#queued++
      if (priority) this.#priorityQueued++
    })
  }

  /** Changes how many run at once. Growing dispatches waiters now; shrinking lets running requests finish. */
  setCapacity(capacity: number): void {
    this.#capacity = capacity
    this.#pump()
  }

  /**
   * Changes the queue limits. A lower `maxQueuedPerKey` refuses new waiters only; a new
   * `maxWaitMs` applies to the waiters already queued too (measured from when they queued).
   */
  setLimits(limits: { maxQueuedPerKey?: number; maxWaitMs?: number }): void {
    if (limits.maxQueuedPerKey !== undefined) this.#maxQueuedPerKey = limits.maxQueuedPerKey
    if (limits.maxWaitMs === undefined || limits.maxWaitMs === this.#maxWaitMs) return
    this.#maxWaitMs = limits.maxWaitMs
    const now = this.#now()
    for (const waiter of this.#allWaiters()) {
      waiter.cancelTimer()
      this.#schedule(waiter, waiter.enqueuedAt + this.#maxWaitMs - now)
    }
  }

  /** Requests holding a slot now (cheaper than stats()). */
  get active(): number {
    return this.#active
  }

  /** Requests waiting for a slot now. */
  get queued(): number {
    return this.#queued
  }

  /** Slots: how many may run at once. */
  get capacity(): number {
    return this.#capacity
  }

  stats(): FairQueueStats {
    const queuedByKey: Record<string, number> = {}
    const activeByKey: Record<string, number> = {}
    for (const key of this.#keys.values()) {
      const queued = key.normal.size + key.priority.size
      if (queued > 0) queuedByKey[key.id] = queued
      if (key.active > 0) activeByKey[key.id] = key.active
    }
    return {
      capacity: this.#capacity,
      active: this.#active,
      queued: this.#queued,
      queuedByKey,
      activeByKey,
    }
  }

  /**
   * Holds a key: its requests wait (never granted) until `release(keyId)`; other keys go
   * past them. The wait still ends at `maxWaitMs` or when the client leaves.
   */
  hold(keyId: string): void {
    this.#held.add(keyId)
  }

  /** Ends a hold: the key's waiters take free slots in their fair turn. */
  release(keyId: string): void {
    if (this.#held.delete(keyId)) this.#pump()
  }

  /** Rejects every waiter of one key with `error` (the owner kicked it); returns how many. */
  dropKey(keyId: string, error: Error): number {
    const key = this.#keys.get(keyId)
    if (!key) return 0
    const waiters = [...key.priority, ...key.normal]
    for (const waiter of waiters) this.#fail(waiter, error)
    return waiters.length
  }

  /** Rejects every waiter with `error` (a backend removed, shutdown). Running requests keep their slots. */
  rejectAll(error: Error): void {
    for (const waiter of this.#allWaiters()) this.#fail(waiter, error)
  }

  #keyState(keyId: string): KeyState {
    let key = this.#keys.get(keyId)
    if (!key) {
      key = { id: keyId, normal: new Set(), priority: new Set(), active: 0, lastServed: 0 }
      this.#keys.set(keyId, key)
    }
    return key
  }

  #prune(key: KeyState): void {
    if (key.active === 0 && key.normal.size === 0 && key.priority.size === 0)
      this.#keys.delete(key.id)
  }

  *#allWaiters(): Generator<Waiter> {
    for (const key of [...this.#keys.values()]) yield* [...key.priority, ...key.normal]
  }

  #schedule(waiter: Waiter, delayMs: number): void {
    const onTimeout = () => {
      const waitedMs = this.#now() - waiter.enqueuedAt
      this.#fail(
        waiter,
        new QueueTimeoutError(waiter.key.id, this.#estimateWaitSeconds(), waitedMs),
      )
    }
    if (delayMs <= 0) {
      waiter.cancelTimer = () => {}
      queueMicrotask(onTimeout)
      return
    }
    waiter.cancelTimer = this.#setTimer(onTimeout, delayMs)
  }

  /** Takes a waiter out of the queue; false when it already left (dispatched, timed out, aborted). */
  #remove(waiter: Waiter): boolean {
    const set = waiter.priority ? waiter.key.priority : waiter.key.normal
    if (!set.delete(waiter)) return false
    this.#queued--
    if (waiter.priority) this.#priorityQueued--
    waiter.cancelTimer()
    waiter.detachAbort()
    return true
  }

  #fail(waiter: Waiter, error: Error): void {
    if (!this.#remove(waiter)) return
    this.#prune(waiter.key)
    waiter.reject(error)
  }

  #grant(key: KeyState, waitedMs: number): Release {
    this.#active++
    key.active++
    key.lastServed = ++this.#turn
    const grantedAt = this.#now()
    let released = false
    const release = () => {
      if (released) return
      released = true
      this.#active--
      key.active--
      this.#recordHold(this.#now() - grantedAt)
      this.#prune(key)
      this.#pump()
    }
    return Object.assign(release, { waitedMs })
  }

  #pump(): void {
    while (this.#active < this.#capacity && this.#queued > 0) {
      const waiter = this.#next()
      if (!waiter) return
      this.#remove(waiter)
      waiter.resolve(this.#grant(waiter.key, this.#now() - waiter.enqueuedAt))
    }
  }

  /** Whether a request of this key may take a free slot now: nobody who may go waits before it. */
  #mayJump(keyId: string): boolean {
    if (this.#held.size === 0) return this.#queued === 0
    if (this.#held.has(keyId)) return false
    let heldWaiting = 0
    for (const id of this.#held) {
      const key = this.#keys.get(id)
      if (key) heldWaiting += key.normal.size + key.priority.size
    }
    return this.#queued === heldWaiting
  }

  /** The head waiter of the key served longest ago, priority waiters first; ties go to the earlier waiter. */
  #next(): Waiter | undefined {
    const best = this.#bestHead(this.#priorityQueued > 0)
    // Every priority waiter may belong to a held key: then the others go.
    return best ?? (this.#priorityQueued > 0 ? this.#bestHead(false) : undefined)
  }

  #bestHead(priority: boolean): Waiter | undefined {
    let best: Waiter | undefined
    for (const key of this.#keys.values()) {
      const head = firstOf(priority ? key.priority : key.normal)
      if (!head || (this.#held.size !== 0 && this.#held.has(key.id))) continue
      if (
        !best ||
        key.lastServed < best.key.lastServed ||
        (key.lastServed === best.key.lastServed && head.seq < best.seq)
      ) {
        best = head
      }
    }
    return best
  }

  #recordHold(heldMs: number): void {
    this.#avgHoldMs =
      this.#avgHoldMs === null
        ? heldMs
        : this.#avgHoldMs + HOLD_EWMA_WEIGHT * (heldMs - this.#avgHoldMs)
  }

  /** Seconds until a new waiter would likely get a slot, from the average slot hold time; 1..maxWait. */
  #estimateWaitSeconds(): number {
    const holdMs = this.#avgHoldMs ?? DEFAULT_HOLD_ESTIMATE_MS
    const estimateMs = (holdMs * (this.#queued + 1)) / Math.max(1, this.#capacity)
    const ceiling = Math.max(1, Math.ceil(this.#maxWaitMs / 1000))
    return Math.min(ceiling, Math.max(1, Math.ceil(estimateMs / 1000)))
  }
}
