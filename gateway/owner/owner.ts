// The owner in charge of their GPU: pauses (checked on every request), the requests in
// flight with their cancel handles (kick), and the "now" activity. Pause state lives in
// config.json (it survives a restart); a kick is not state.
import type { Config } from '../config/schema.js'
import { CorralError } from '../errors.js'
import type { Limiters } from '../limits/limiters.js'
import type { Logger } from '../util/logger.js'
import { USER_AGENT_MAX_CHARS, boundNullable } from '../untrusted/bounds.js'
import { buildActivity, streamingRate, type Activity } from './activity.js'
import { InFlight, InFlightRegistry, type TrackedState } from './in-flight.js'
import { dropEndedPauses } from './manage.js'
import { PauseRules, pauseActive, retryAfterSeconds } from './pauses.js'

export interface OwnerDeps {
  now: () => number
  limiters: Limiters
  logger: Logger
  /** The persisted config, to take ended pauses out of (null: nothing to persist, tests). */
  update: ((mutator: (c: Config) => Config | void) => Promise<Config>) | null
  /** The config as saved (not the overlay): what ended pauses are taken out of. */
  persisted: () => Config
}

/**
 * Throws CORRAL_ERR_PAUSED when a refusing pause covers the request's key or address now.
 * Pauses live in config, so every gateway process (a cluster worker too) checks its own.
 */
export function checkPause(rules: PauseRules, state: TrackedState, now: number): void {
  if (!rules.any) return
  const pause = rules.find(state.key!.record.id, state.clientIp, now)
  if (pause === null || pause.queue) return
  throw new CorralError('CORRAL_ERR_PAUSED', {
    message: pausedMessage(pause.untilMs),
    headers: { 'retry-after': String(retryAfterSeconds(pause, now)) },
  })
}

/** "paused by the owner until 14:30 UTC (...); try again then", or until they resume it. */
export function pausedMessage(untilMs: number | null): string {
  if (untilMs === null)
    return 'paused by the owner until they resume it: ask them, or try again later'
  const at = new Date(untilMs).toISOString()
  return `paused by the owner until ${at.slice(11, 16)} UTC (${at}); try again then`
}

/** Longest a timer may be set for (setTimeout's limit); a longer pause re-arms it. */
const MAX_TIMER_MS = 2 ** 31 - 1

export class Owner {
  readonly inFlight = new InFlightRegistry()
  private rules!: PauseRules
  private config!: Config
  /** Keys held in the fair queues now (paused with "wait"). */
  private held = new Set<string>()
  private timer: NodeJS.Timeout | null = null

  constructor(
    config: Config,
    private readonly deps: OwnerDeps,
  ) {
    this.configure(config)
  }

  /** A new config (reload, a pause or resume): recompile, re-hold, re-arm. */
  configure(config: Config): void {
    this.config = config
    this.rules = new PauseRules(config.owner)
    this.syncHolds()
    this.arm()
    this.tidyLater()
  }

  /**
   * The request path's pause check, once the key is known. Throws CORRAL_ERR_PAUSED for a
   * refusing pause; a waiting pause lets the request on (its key is held in the fair queue).
   */
  admit(state: TrackedState): void {
    checkPause(this.rules, state, this.deps.now())
  }

  /** A request that passed its limits enters the registry; refused if its key was kicked since it began. */
  track(state: TrackedState, userAgent: string | undefined): InFlight {
    const keyId = state.key!.record.id
    if (this.inFlight.kickedSince(keyId, state.startedAt))
      throw new CorralError('CORRAL_ERR_KICKED')
    const entry = new InFlight(keyId, state, boundNullable(userAgent, USER_AGENT_MAX_CHARS))
    this.inFlight.add(entry)
    return entry
  }

  untrack(entry: InFlight): void {
    this.inFlight.delete(entry)
  }

  /** Ends every request of the key now, running and queued; returns how many of each. */
  kick(keyId: string): { running: number; queued: number } {
    const queued = this.deps.limiters.dropKey(keyId)
    const all = this.inFlight.kick(keyId, this.deps.now())
    return { running: Math.max(0, all - queued), queued }
  }

  activity(): Activity {
    return buildActivity(
      this.inFlight.all(),
      this.deps.limiters.queuedByKey(),
      this.config,
      this.deps.now(),
    )
  }

  /** Tokens a second of the streams running now (what "who" shows, summed over keys). */
  streamingRate(): number {
    return streamingRate(this.inFlight.all(), this.deps.now())
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  /** Holds exactly the keys whose waiting pause is on now. */
  private syncHolds(): void {
    const now = this.deps.now()
    const want = new Set(
      this.config.owner.paused.filter((p) => p.queue && pauseActive(p, now)).map((p) => p.keyId),
    )
    for (const keyId of this.held) if (!want.has(keyId)) this.deps.limiters.releaseKey(keyId)
    for (const keyId of want) if (!this.held.has(keyId)) this.deps.limiters.holdKey(keyId)
    this.held = want
  }

  /** One timer, for the earliest timed pause still to end: it releases held waiters. */
  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    const now = this.deps.now()
    const end = this.rules.nextEnd(now)
    if (end === null) return
    this.timer = setTimeout(() => this.onTimer(), Math.min(MAX_TIMER_MS, end - now))
    this.timer.unref()
  }

  private onTimer(): void {
    this.timer = null
    this.syncHolds()
    this.tidy()
    this.arm()
  }

  private tidyLater(): void {
    if (this.deps.update !== null) setImmediate(() => this.tidy())
  }

  /** Ended pauses leave config.json (they are harmless there: the clock decides). */
  private tidy(): void {
    const update = this.deps.update
    const now = this.deps.now()
    if (update === null || !dropEndedPauses(structuredClone(this.deps.persisted()), now)) return
    update((c) => void dropEndedPauses(c, now)).catch((err: unknown) => {
      this.deps.logger.warn(`Could not remove an ended pause: ${(err as Error).message}`)
    })
  }
}
