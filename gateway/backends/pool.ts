// The backends as the router sees them: health, models, load. Records come
// from config; state (health, inventory, in-flight) lives here and survives
// config reloads for backends whose id and URL did not change.
import type { BackendRecord } from '../config/schema.js'
import { modelKey } from '../model-names/index.js'

export type HealthState = 'unknown' | 'up' | 'down'

/** After this many failures in a row, a backend's circuit opens. */
const FAILURES_TO_TRIP = 3
const BACKOFF_BASE_MS = 1_000
const BACKOFF_MAX_MS = 60_000

export interface BackendState {
  readonly id: string
  record: BackendRecord
  /** `http://host:port`, no trailing slash or path. */
  origin: string
  state: HealthState
  /** Last health-check round trip. */
  latencyMs: number | null
  lastError: string | null
  lastCheckedAt: number | null
  /** Models present (`/api/tags`), normalised; null until first known. */
  models: Set<string> | null
  /** Models loaded in memory (`/api/ps`), normalised. */
  loaded: Set<string>
  /** Requests sent to it and not finished. */
  inFlight: number
  consecutiveFailures: number
  /** Active health checks failed in a row. */
  failedChecks: number
  /** While the circuit is open, no traffic until this time (then one probe). */
  openUntil: number
  /** Ollama's version, from the health check. */
  version: string | null
  /**
   * Requests it can take at once, learned from a "server busy" 503 (OLLAMA_MAX_QUEUE):
   * how many of ours it was running then. Null: nothing learned, `record.capacity` holds.
   */
  learnedCapacity: number | null
  /** When `learnedCapacity` was last learned (it is forgotten after a while). */
  learnedAt: number
}

/** The slots a backend has now: its `capacity` setting, or less when it said it was full. */
export function effectiveCapacity(b: BackendState): number {
  return b.learnedCapacity === null
    ? b.record.capacity
    : Math.min(b.record.capacity, b.learnedCapacity)
}

/** The form backends' model lists are kept and looked up in (gateway/model-names). */
export const normalizeModel = modelKey

export function originOf(url: string): string {
  const u = new URL(url)
  return `${u.protocol}//${u.host}`
}

export class BackendPool {
  private states = new Map<string, BackendState>()
  private rr = 0
  private readonly now: () => number

  constructor(opts: { now?: () => number } = {}) {
    this.now = opts.now ?? Date.now
  }

  /** Take the backend list from a (re)loaded config, keeping live state. */
  sync(records: readonly BackendRecord[]): void {
    const next = new Map<string, BackendState>()
    for (const record of records) {
      const origin = originOf(record.url)
      const prev = this.states.get(record.id)
      if (prev && prev.origin === origin) {
        prev.record = record
        next.set(record.id, prev)
      } else {
        next.set(record.id, freshState(record, origin))
      }
    }
    this.states = next
  }

  list(): BackendState[] {
    return [...this.states.values()]
  }

  get(id: string): BackendState | undefined {
    return this.states.get(id)
  }

  /** Enabled and not known to be down (a tripped circuit past its back-off gets one try). */
  isUsable(b: BackendState, now = this.now()): boolean {
    if (!b.record.enabled) return false
    if (b.openUntil > now) return false
    return b.state !== 'down' || b.openUntil !== 0
  }

  /**
   * Backends that can serve `model` (null: any), best first: has it loaded,
   * then least outstanding work per weight, round-robin among equals.
   * `load` adds work the pool does not see (requests waiting in a queue).
   */
  candidates(
    model: string | null,
    strategy: 'least-outstanding' | 'round-robin',
    load: (b: BackendState) => number = () => 0,
  ): BackendState[] {
    const now = this.now()
    const want = model === null ? null : normalizeModel(model)
    const hasModel = (b: BackendState) => want === null || b.models === null || b.models.has(want)
    // Per request: one array, no sort callbacks (a handful of backends, insertion-sorted).
    const usable: BackendState[] = []
    for (const b of this.states.values()) if (this.isUsable(b, now) && hasModel(b)) usable.push(b)
    if (usable.length === 0) {
      // Every backend with the model looks down: trying one beats refusing (a check may have
      // failed under load). A refused connection costs a millisecond.
      return this.list()
        .filter((b) => b.record.enabled && hasModel(b))
        .sort((x, y) => x.consecutiveFailures - y.consecutiveFailures)
        .slice(0, 1)
    }
    const n = usable.length
    if (n === 1) return usable
    const start = this.rr++ % n
    const order: BackendState[] = new Array<BackendState>(n)
    for (let i = 0; i < n; i++) order[i] = usable[(start + i) % n]!
    if (strategy === 'round-robin') return order
    // Has the model loaded first, then least outstanding work per weight; equals keep the
    // round-robin order (insertion sort is stable).
    const cold: number[] = new Array<number>(n)
    const score: number[] = new Array<number>(n)
    for (let i = 0; i < n; i++) {
      const b = order[i]!
      cold[i] = want !== null && b.loaded.has(want) ? 0 : 1
      score[i] = (b.inFlight + load(b)) / b.record.weight
    }
    for (let i = 1; i < n; i++) {
      const b = order[i]!
      const c = cold[i]!
      const sc = score[i]!
      let j = i - 1
      while (j >= 0 && (cold[j]! > c || (cold[j] === c && score[j]! > sc))) {
        order[j + 1] = order[j]!
        cold[j + 1] = cold[j]!
        score[j + 1] = score[j]!
        j--
      }
      order[j + 1] = b
      cold[j + 1] = c
      score[j + 1] = sc
    }
    return order
  }

  /** Does any enabled backend list this model? (Distinguishes 404 from 503.) */
  anyHasModel(model: string): boolean {
    const want = normalizeModel(model)
    return this.list().some((b) => b.record.enabled && (b.models === null || b.models.has(want)))
  }

  /**
   * A request failed at this backend. `hard` failures (nothing listening,
   * connect timeout) open the circuit at once; soft ones (5xx, resets) after
   * a few in a row.
   */
  markFailure(b: BackendState, error: string, hard = false): void {
    b.consecutiveFailures += 1
    b.lastError = error
    if (hard || b.consecutiveFailures >= FAILURES_TO_TRIP || b.state !== 'up') {
      const backoff = Math.min(
        BACKOFF_MAX_MS,
        BACKOFF_BASE_MS * 2 ** Math.max(0, b.consecutiveFailures - FAILURES_TO_TRIP),
      )
      b.state = 'down'
      b.openUntil = this.now() + backoff
    }
  }

  markSuccess(b: BackendState): void {
    b.consecutiveFailures = 0
    b.openUntil = 0
    if (b.state !== 'up') {
      b.state = 'up'
      b.lastError = null
    }
  }
}

function freshState(record: BackendRecord, origin: string): BackendState {
  return {
    id: record.id,
    record,
    origin,
    state: 'unknown',
    latencyMs: null,
    lastError: null,
    lastCheckedAt: null,
    models: null,
    loaded: new Set(),
    inFlight: 0,
    consecutiveFailures: 0,
    failedChecks: 0,
    openUntil: 0,
    version: null,
    learnedCapacity: null,
    learnedAt: 0,
  }
}
