// The replay guard. The CLI's signature is deterministic (ed25519) and covers only the
// method, the path and a timestamp in seconds, so the same header legitimately repeats:
// `ollama run` sends POST /api/show twice within a second, `ollama rm a b` two DELETEs.
// Those repeats come over the client's kept-alive connection (Go's http.DefaultClient), so
// a signature seen before is accepted again only on the connection that first used it.
// Someone who copies a header off the wire has to send it on a connection of their own:
// refused. Memory is bounded: past MAX_ENTRIES the oldest entry is dropped, and every
// timestamp up to its own is refused from then on (no signature is forgotten while usable).

export const MAX_REPLAY_ENTRIES = 50_000

interface Seen {
  connection: number
  ts: number
  expiresAt: number
}

export type ReplayVerdict = 'ok' | 'replayed' | 'crowded'

export class ReplayGuard {
  private readonly seen = new Map<string, Seen>()
  /** Timestamps up to this one (seconds) are refused: their entries had to be dropped. */
  private floorTs = -Infinity
  private readonly connections = new WeakMap<object, number>()
  private nextConnection = 1

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = MAX_REPLAY_ENTRIES,
  ) {}

  /** A number for a connection (socket), stable while it lives. */
  connectionId(socket: object): number {
    let id = this.connections.get(socket)
    if (id === undefined) {
      id = this.nextConnection++
      this.connections.set(socket, id)
    }
    return id
  }

  check(signature: string, ts: number, connection: number, now: number): ReplayVerdict {
    this.prune(now)
    if (ts <= this.floorTs) return 'crowded'
    const before = this.seen.get(signature)
    if (before !== undefined) return before.connection === connection ? 'ok' : 'replayed'
    if (this.seen.size >= this.maxEntries) {
      const [oldest, entry] = this.seen.entries().next().value as [string, Seen]
      this.seen.delete(oldest)
      this.floorTs = Math.max(this.floorTs, entry.ts)
      if (ts <= this.floorTs) return 'crowded'
    }
    this.seen.set(signature, { connection, ts, expiresAt: ts * 1000 + this.windowMs + 1000 })
    return 'ok'
  }

  get size(): number {
    return this.seen.size
  }

  private prune(now: number): void {
    for (const [k, v] of this.seen) {
      if (v.expiresAt > now) break
      this.seen.delete(k)
    }
  }
}
