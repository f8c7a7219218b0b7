// Requests in flight at once per key. Unlike the fair queue this never waits: over the
// limit is an immediate refusal (429).

/** Counts in-flight requests per key and refuses the one over a key's limit. */
export class ConcurrencyGate {
  readonly #inFlight = new Map<string, number>()
  #total = 0

  /**
   * Takes a slot for `keyId` if it has fewer than `limit` in flight (null: no limit, but the
   * request is still counted). Returns the release function (idempotent), or null when full.
   */
  tryAcquire(keyId: string, limit: number | null): (() => void) | null {
    const current = this.#inFlight.get(keyId) ?? 0
    if (limit !== null && current >= limit) return null
    this.#inFlight.set(keyId, current + 1)
    this.#total++
    let released = false
    return () => {
      if (released) return
      released = true
      this.#total--
      const left = (this.#inFlight.get(keyId) ?? 1) - 1
      if (left <= 0) this.#inFlight.delete(keyId)
      else this.#inFlight.set(keyId, left)
    }
  }

  /** In-flight requests of one key, or of every key when `keyId` is left out. */
  inFlight(keyId?: string): number {
    return keyId === undefined ? this.#total : (this.#inFlight.get(keyId) ?? 0)
  }
}
