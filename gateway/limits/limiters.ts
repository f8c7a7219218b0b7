// The per-process limit state the proxy consults: one fair queue per
// backend, the token meter and the concurrency gate. Settings come from
// config and are re-applied on reload without dropping anyone queued.
import type { Config } from '../config/schema.js'
import { effectiveCapacity, type BackendState } from '../backends/pool.js'
import { CorralError } from '../errors.js'
import { TokenMeter, type TokenCharge } from './token-bucket.js'
import { ConcurrencyGate } from './concurrency.js'
import { FairQueue, QueueFullError, QueueTimeoutError, type Release } from './fair-queue.js'
import { KickedError } from './queue-errors.js'

/** A capacity learned from a busy answer is forgotten after this long without another one. */
export const LEARNED_CAPACITY_MS = 60_000

export interface Slot {
  release: () => void
  waitedMs: number
}

export class Limiters {
  readonly tokens: TokenMeter
  readonly concurrency = new ConcurrencyGate()
  private readonly queues = new Map<string, FairQueue>()
  /** Keys held in every queue (paused with "wait"), also in queues made later. */
  private readonly held = new Set<string>()
  /** The pool's state of each backend with a queue (its learned capacity lives there). */
  private readonly states = new Map<string, BackendState>()
  private queueSettings: Config['queue']

  constructor(
    config: Config,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = new TokenMeter({ now })
    this.queueSettings = config.queue
  }

  configure(config: Config): void {
    this.queueSettings = config.queue
    const ids = new Set(config.backends.map((b) => b.id))
    for (const [id, q] of this.queues) {
      if (!ids.has(id)) continue
      q.setLimits({
        maxQueuedPerKey: config.queue.maxQueuedPerKey,
        maxWaitMs: config.queue.maxWaitMs,
      })
      const state = this.states.get(id)
      if (state) q.setCapacity(effectiveCapacity(state))
    }
    // Queues of removed backends are dropped once they drain (their waiters finish normally).
    for (const id of [...this.queues.keys()]) {
      if (!ids.has(id) && this.queues.get(id)!.active === 0) {
        this.queues.delete(id)
        this.states.delete(id)
      }
    }
  }

  private queueFor(b: BackendState): FairQueue {
    let q = this.queues.get(b.id)
    // The pool makes a new state when a backend's URL changes; follow it.
    if (this.states.get(b.id) !== b) this.states.set(b.id, b)
    if (!q) {
      q = new FairQueue({
        capacity: effectiveCapacity(b),
        maxQueuedPerKey: this.queueSettings.maxQueuedPerKey,
        maxWaitMs: this.queueSettings.maxWaitMs,
        now: this.now,
      })
      for (const keyId of this.held) q.hold(keyId)
      this.queues.set(b.id, q)
    }
    return q
  }

  /**
   * The backend answered "server busy" (Ollama's 503 past OLLAMA_MAX_QUEUE) while this
   * request held one of its slots: it takes no more than the others it runs now, until
   * one of them ends. Called before the refused request's slot is released.
   */
  markFull(b: BackendState): void {
    const q = this.queueFor(b)
    b.learnedCapacity = Math.max(0, q.active - 1)
    b.learnedAt = this.now()
    q.setCapacity(effectiveCapacity(b))
  }

  /**
   * After a health check round: a backend that said it was full while running nothing of
   * ours (someone else's load) answered its checks, so it gets one request again.
   */
  probeFull(backends: readonly BackendState[]): void {
    for (const b of backends) {
      if (b.learnedCapacity !== 0 || b.state !== 'up') continue
      b.learnedCapacity = 1
      this.queues.get(b.id)?.setCapacity(effectiveCapacity(b))
    }
  }

  /** Slots, running and waiting requests of a backend, as the UI and CLI show them. */
  load(b: BackendState): { effectiveCapacity: number; queued: number; full: boolean } {
    this.forgetStale(b)
    return {
      effectiveCapacity: effectiveCapacity(b),
      queued: this.queued(b),
      full: b.learnedCapacity !== null,
    }
  }

  /** A learned capacity with no busy answer for LEARNED_CAPACITY_MS gives way to the setting. */
  private forgetStale(b: BackendState): void {
    if (b.learnedCapacity === null || this.now() - b.learnedAt < LEARNED_CAPACITY_MS) return
    b.learnedCapacity = null
    this.queues.get(b.id)?.setCapacity(effectiveCapacity(b))
  }

  /** A slot on this backend now, when one is free and nobody waits for one; else null. */
  tryAcquire(b: BackendState, keyId: string): Slot | null {
    if (b.learnedCapacity !== null) this.forgetStale(b)
    const release = this.queueFor(b).tryAcquire(keyId)
    return release === null ? null : { release, waitedMs: 0 }
  }

  /**
   * The first backend of `list` (best first) with a slot free now, and the slot; null
   * when every one is busy. This is what makes a loaded model's backend win only while
   * it has room: past that, the next best one (least loaded) takes the request.
   */
  tryAcquireFirst(
    list: readonly BackendState[],
    keyId: string,
  ): { backend: BackendState; slot: Slot } | null {
    for (const backend of list) {
      const slot = this.tryAcquire(backend, keyId)
      if (slot !== null) return { backend, slot }
    }
    return null
  }

  /**
   * Where a request waits when every backend of `list` is busy: the one whose line
   * should clear first, that is the fewest requests running and waiting per slot
   * (join the shortest queue); the earlier in `list` on a tie. A backend with no slot
   * at all (learned full) is taken only when all are.
   */
  shortestWait(list: readonly BackendState[]): BackendState {
    let best = list[0]!
    let bestLoad = Infinity
    for (const b of list) {
      const q = this.queueFor(b)
      const load = q.capacity > 0 ? (q.active + q.queued) / q.capacity : Infinity
      if (load < bestLoad) {
        best = b
        bestLoad = load
      }
    }
    return best
  }

  /** Wait for a slot on this backend, fairly across keys. */
  async acquire(
    b: BackendState,
    keyId: string,
    opts: { signal?: AbortSignal; priority?: boolean },
  ): Promise<Slot> {
    const release: Release = await this.queueFor(b).acquire(keyId, opts)
    return { release, waitedMs: release.waitedMs }
  }

  /** Requests waiting for this backend (not yet sent). */
  queued(b: BackendState): number {
    return this.queues.get(b.id)?.queued ?? 0
  }

  queueDepth(): number {
    let n = 0
    for (const q of this.queues.values()) n += q.stats().queued
    return n
  }

  /** The key's requests wait in every backend's queue until `releaseKey` (a pause with "wait"). */
  holdKey(keyId: string): void {
    this.held.add(keyId)
    for (const q of this.queues.values()) q.hold(keyId)
  }

  releaseKey(keyId: string): void {
    if (!this.held.delete(keyId)) return
    for (const q of this.queues.values()) q.release(keyId)
  }

  /** Drops every waiting request of the key (it is kicked); returns how many there were. */
  dropKey(keyId: string): number {
    let n = 0
    for (const q of this.queues.values()) n += q.dropKey(keyId, new KickedError(keyId))
    return n
  }

  /** Requests waiting per key, over every backend's queue. */
  queuedByKey(): Map<string, number> {
    const out = new Map<string, number>()
    for (const q of this.queues.values()) {
      for (const [id, n] of Object.entries(q.stats().queuedByKey))
        out.set(id, (out.get(id) ?? 0) + n)
    }
    return out
  }

  /** A queue refusal as the client's error, with Retry-After; null for other errors. */
  queueError(err: unknown): CorralError | null {
    if (err instanceof QueueFullError) {
      return new CorralError('CORRAL_ERR_QUEUE_FULL', {
        headers: { 'retry-after': String(err.retryAfterSeconds) },
      })
    }
    if (err instanceof QueueTimeoutError) {
      return new CorralError('CORRAL_ERR_QUEUE_TIMEOUT', {
        headers: { 'retry-after': String(err.retryAfterSeconds) },
      })
    }
    if (err instanceof KickedError) return new CorralError('CORRAL_ERR_KICKED')
    return null
  }

  /** Null when the key may go on; else the headers of the 429. */
  checkTokens(keyId: string, perMinute: number | null): { headers: Record<string, string> } | null {
    if (perMinute === null) return null
    const r = this.tokens.check(keyId, perMinute)
    if (r.ok) return null
    return {
      headers: {
        'retry-after': String(Math.max(1, r.retryAfterSeconds)),
        'ratelimit-limit': String(perMinute),
        'ratelimit-remaining': '0',
        'ratelimit-reset': String(Math.max(1, r.resetSeconds)),
      },
    }
  }

  chargeTokens(keyId: string, tokens: number): TokenCharge | null {
    return this.tokens.charge(keyId, tokens)
  }

  /** A request's count is known (or its client left): its estimate becomes `actual`. */
  settleTokens(keyId: string, charged: TokenCharge | null, actual: number): void {
    this.tokens.settle(keyId, charged, actual)
  }

  acquireConcurrency(keyId: string, limit: number | null): (() => void) | null {
    return this.concurrency.tryAcquire(keyId, limit)
  }
}
