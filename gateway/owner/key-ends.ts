// A key that stops being valid ends its requests in flight, as a kick does: revoked (the
// control API, the CLI, a hand edit of config.json), deleted, or past its expiry (a guest
// key's lifetime). The key check already refuses its next request; without this, a stream
// begun before would run on for as long as the backend generates.
import type { Config } from '../config/schema.js'
import type { Owner } from './owner.js'

/** Longest a timer may be set for (setTimeout's limit); a later expiry re-arms it. */
const MAX_TIMER_MS = 2 ** 31 - 1

export interface KeyEndsDeps {
  now: () => number
  owner: Pick<Owner, 'kick' | 'inFlight'>
}

export class KeyEnds {
  private config: Config | null = null
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly deps: KeyEndsDeps) {}

  /** A new config: kick the requests of keys no longer valid, then wait for the next expiry. */
  configure(config: Config): void {
    this.config = config
    this.endInvalid()
    this.arm()
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  /** Kicks every key with requests in flight that is revoked, deleted or expired now. */
  private endInvalid(): void {
    const config = this.config
    if (config === null || this.deps.owner.inFlight.size === 0) return
    const now = this.deps.now()
    const keys = new Map(config.keys.map((k) => [k.id, k]))
    const ended = new Set<string>()
    for (const entry of this.deps.owner.inFlight.all()) {
      if (entry.kicked || ended.has(entry.keyId)) continue
      const k = keys.get(entry.keyId)
      const valid =
        k !== undefined &&
        k.revokedAt === null &&
        (k.expiresAt === null || Date.parse(k.expiresAt) > now)
      if (!valid) ended.add(entry.keyId)
    }
    for (const keyId of ended) this.deps.owner.kick(keyId)
  }

  /** One timer, for the earliest expiry still to come among the keys not revoked. */
  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    const now = this.deps.now()
    let next = Infinity
    for (const k of this.config?.keys ?? []) {
      if (k.revokedAt !== null || k.expiresAt === null) continue
      const at = Date.parse(k.expiresAt)
      if (at > now && at < next) next = at
    }
    if (next === Infinity) return
    this.timer = setTimeout(
      () => {
        this.timer = null
        this.endInvalid()
        this.arm()
      },
      // A little past the expiry, so the key check (expiresAt <= now) agrees it has ended.
      Math.min(MAX_TIMER_MS, next - now + 5),
    )
    this.timer.unref()
  }
}
