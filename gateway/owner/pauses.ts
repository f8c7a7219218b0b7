// The owner's pauses compiled for the request path: a key's own pause, and "pause everyone
// but me". Compiled once per config; a request does one boolean read when nothing is
// paused, two map look-ups and a clock compare when something is. The clock decides
// (`until` against now), so a pause whose timer did not fire still ends on time.
import type { Config, PauseRecord } from '../config/schema.js'
import { isLoopback } from '../util/net.js'

export interface CompiledPause {
  /** Epoch ms it ends at; null: until resumed. */
  untilMs: number | null
  queue: boolean
  /** `everyone`: "pause everyone but me"; else the key's own pause. */
  scope: 'key' | 'everyone'
}

export class PauseRules {
  /** False when nothing is paused: the request path reads only this. */
  readonly any: boolean
  private readonly byKey = new Map<string, CompiledPause>()
  private readonly everyone: CompiledPause | null
  private readonly own: ReadonlySet<string>

  constructor(owner: Config['owner']) {
    for (const p of owner.paused) this.byKey.set(p.keyId, compile(p, 'key'))
    this.everyone = owner.everyone === null ? null : compile(owner.everyone, 'everyone')
    this.own = new Set(owner.ownKeys)
    this.any = this.byKey.size > 0 || this.everyone !== null
  }

  /**
   * The pause a request of this key from this address meets now, or null. The key's own
   * pause applies from every address; "everyone but me" spares the owner's keys and this
   * machine (loopback).
   */
  find(keyId: string, clientIp: string, now: number): CompiledPause | null {
    const own = this.byKey.get(keyId)
    if (own !== undefined && (own.untilMs === null || own.untilMs > now)) return own
    const all = this.everyone
    if (all === null || (all.untilMs !== null && all.untilMs <= now)) return null
    return this.own.has(keyId) || isLoopback(clientIp) ? null : all
  }

  /** The earliest end of a timed pause after `now` (for the timer that releases its waiters). */
  nextEnd(now: number): number | null {
    let next: number | null = null
    for (const p of [...this.byKey.values(), this.everyone]) {
      if (p?.untilMs == null || p.untilMs <= now) continue
      if (next === null || p.untilMs < next) next = p.untilMs
    }
    return next
  }
}

function compile(p: PauseRecord, scope: CompiledPause['scope']): CompiledPause {
  return { untilMs: p.until === null ? null : Date.parse(p.until), queue: p.queue, scope }
}

/** Whether a stored pause is still on at `now`. */
export function pauseActive(p: PauseRecord, now: number): boolean {
  return p.until === null || Date.parse(p.until) > now
}

/** Seconds a paused client should wait before it tries again. */
export function retryAfterSeconds(p: CompiledPause, now: number): number {
  if (p.untilMs === null) return 60
  return Math.max(1, Math.ceil((p.untilMs - now) / 1000))
}
