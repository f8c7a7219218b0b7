// The requests in flight, each with the handle that cancels it: what "who is using my
// GPU" lists and what a kick ends. An entry lives from the moment a request passed its
// limits (before it may wait in the fair queue) until its answer ended. One Set for all:
// a kick or a snapshot walks it (rare), a request adds and deletes itself (always).

/** What an entry reads of the request's state (the proxy's RequestState fits). */
export interface TrackedState {
  readonly startedAt: number
  readonly clientIp: string
  readonly model: string | null
  readonly ttfbMs: number | null
  readonly key: { readonly record: { readonly id: string; readonly name: string } } | null
}

/** What the proxy attaches while the backend has the request (its relay). */
export interface Attached {
  /** The answer is a stream (NDJSON or SSE). */
  readonly streaming: boolean
  /** Content frames relayed so far (the usage tap's count). */
  chunks(): number
  /** Ends the kicked request the backend has: aborts it, answers the client with the kick. */
  kick(): void
}

export class InFlight {
  /** The owner kicked it: it must end now, with the kick's error. */
  kicked = false
  /** Set by the proxy while the backend has the request; null while it waits. */
  attached: Attached | null = null
  /** Told of a kick whether or not the backend has the request (a cluster worker's). */
  onKick: (() => void) | null = null

  constructor(
    readonly keyId: string,
    readonly state: TrackedState,
    readonly userAgent: string | null,
  ) {}
}

/** Kicks are remembered this long: a request that began before one is refused when it gets here. */
const KICK_MEMORY_MS = 10 * 60_000

export class InFlightRegistry {
  private readonly entries = new Set<InFlight>()
  /** When each key was last kicked. */
  private readonly kicks = new Map<string, number>()

  /** Whether a request of this key that began at `startedAt` was kicked before it got here. */
  kickedSince(keyId: string, startedAt: number): boolean {
    if (this.kicks.size === 0) return false
    const at = this.kicks.get(keyId)
    return at !== undefined && startedAt <= at
  }

  add(entry: InFlight): void {
    this.entries.add(entry)
  }

  delete(entry: InFlight): void {
    this.entries.delete(entry)
  }

  /**
   * Kicks every request of the key in flight now; returns how many. Those the backend has
   * are ended by their relay; one still waiting in the queue is dropped by the queue itself.
   */
  kick(keyId: string, now: number): number {
    this.kicks.set(keyId, now)
    for (const [id, at] of this.kicks) if (at < now - KICK_MEMORY_MS) this.kicks.delete(id)
    let n = 0
    for (const entry of [...this.entries]) {
      if (entry.keyId !== keyId || entry.kicked) continue
      entry.kicked = true
      entry.attached?.kick()
      entry.onKick?.()
      n++
    }
    return n
  }

  all(): IterableIterator<InFlight> {
    return this.entries.values()
  }

  get size(): number {
    return this.entries.size
  }
}
