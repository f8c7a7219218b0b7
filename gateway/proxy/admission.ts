// Admission: what a request asks of the state every gateway process shares, from "its key
// may go" to "its answer ended" — the key's token and concurrency limits, the owner's
// registry of requests in flight, the backend choice with its fair queue, and the backends'
// health marks. The process that owns that state (the only one, or a cluster's primary)
// runs LocalAdmission; a cluster worker asks the primary over IPC (workers/admission.ts),
// and the primary answers with a LocalAdmission too, so the rules exist once.
import type { PoolHost } from './pool-host.js'
import { effectiveCapacity, type BackendState } from '../backends/pool.js'
import type { Slot } from '../limits/limiters.js'
import type { TokenCharge } from '../limits/token-bucket.js'
import { CorralError } from '../errors.js'
import { noBackendError } from '../backends/down.js'
import type { Attached, InFlight, TrackedState } from '../owner/in-flight.js'
import type { RouteKind } from './routes.js'
import { GUARDED_ROUTES, advisoriesFor, updateTo } from '../advisories/ollama-advisories.js'

export interface AdmitRequest {
  /** What the owner's registry shows of the request (the proxy's RequestState fits). */
  state: TrackedState
  userAgent: string | null
  tokensPerMinute: number | null
  /** The prompt's tokens as estimated from its text (limits/prompt-estimate.ts), charged now. */
  promptEstimate: number
  concurrency: number | null
  routeKind: RouteKind
  /** The route table's path (`/api/create`): some stay closed on a vulnerable backend. */
  routePath: string
  /** The x-corral-backend header: a backend asked for by id or name (model management). */
  backendWanted: string | null
  /** Waits ahead of the LAN in the fair queue (a request from this machine, when so set). */
  priority: boolean
}

/** The backend a request may be sent to now, with a slot held on it. */
export interface Grant {
  name: string
  origin: string
  key: string | null
  /** Backends still to try, this one included: when it cannot be reached, the next is tried. */
  candidates: number
  /** How long the request waited in the fair queue for this slot. */
  waitedMs: number
}

/** What the owner's registry holds of a request: kicked, and its relay while it runs. */
export interface LeaseEntry {
  kicked: boolean
  attached: Attached | null
}

/** What an admitted request holds until it ends. Errors thrown are CorralErrors. */
export interface Lease {
  readonly entry: LeaseEntry
  /**
   * A slot on the best backend: now, or after a wait in its fair queue (aborted by
   * `client.signal`). `afterBusy`: the last backend answered busy; with no slot left
   * anywhere, this throws CORRAL_ERR_BACKENDS_BUSY instead of waiting.
   */
  take(client: { readonly signal: AbortSignal }, afterBusy: boolean): Promise<Grant>
  /** The backend's status line: a busy answer marks it full, a 5xx failing, else up. */
  answered(status: number): void
  /** The backend could not be reached (`refused`: nobody listens): marked, not tried again. */
  failed(message: string, refused: boolean): void
  /** Gives the slot back (after every take). */
  release(): void
  /**
   * The request ended: its key's concurrency back, out of the registry, and the prompt's
   * estimate charged at admission settled to `tokens` (null: unknown, the estimate stays).
   */
  end(tokens: number | null): void
}

/** A lease whose entry is in this process's owner registry (LocalAdmission's). */
export interface TrackedLease extends Lease {
  readonly entry: InFlight
}

export interface Admission {
  /** Throws CORRAL_ERR_TOKENS, CORRAL_ERR_CONCURRENCY or CORRAL_ERR_KICKED. */
  admit(req: AdmitRequest): Lease | Promise<Lease>
}

/** Routes that change a backend's models go to one chosen backend, not a balanced one. */
const PINNED_KINDS = new Set<RouteKind>(['manage', 'blob'])

export class LocalAdmission implements Admission {
  constructor(private readonly corral: PoolHost) {}

  admit(req: AdmitRequest): TrackedLease {
    const { limiters, owner } = this.corral
    const key = req.state.key!.record
    const tokens = limiters.checkTokens(key.id, req.tokensPerMinute)
    if (tokens) throw new CorralError('CORRAL_ERR_TOKENS', { headers: tokens.headers })
    const releaseKey = limiters.acquireConcurrency(key.id, req.concurrency)
    if (!releaseKey) {
      throw new CorralError('CORRAL_ERR_CONCURRENCY', { headers: { 'retry-after': '1' } })
    }
    let entry: InFlight
    try {
      entry = owner.track(req.state, req.userAgent ?? undefined)
    } catch (err) {
      releaseKey()
      throw err
    }
    this.corral.observeDevice(key.id, key.name, req.state.clientIp)
    // Charged now, so requests that run at the same time see it (and a client that leaves
    // early pays for the prompt); settled to the backend's count at end().
    const charged = limiters.chargeTokens(key.id, req.promptEstimate)
    return new LocalLease(this.corral, req, entry, releaseKey, charged)
  }
}

class LocalLease implements TrackedLease {
  /** Backends not yet tried and failed, best first; chosen at the first take. */
  private left: BackendState[] | null = null
  private backend: BackendState | null = null
  private slot: Slot | null = null

  constructor(
    private readonly corral: PoolHost,
    private readonly req: AdmitRequest,
    readonly entry: InFlight,
    private readonly releaseKey: () => void,
    private readonly charged: TokenCharge | null,
  ) {}

  async take(client: { readonly signal: AbortSignal }, afterBusy: boolean): Promise<Grant> {
    const left = (this.left ??= chooseBackends(this.corral, this.req))
    // Busy, not broken: wait again where a slot will free up (a backend running requests
    // of ours); when none has one, say so now.
    if (afterBusy && !left.some((b) => effectiveCapacity(b) > 0)) {
      throw new CorralError('CORRAL_ERR_BACKENDS_BUSY', { headers: { 'retry-after': '1' } })
    }
    const { limiters } = this.corral
    const keyId = this.entry.keyId
    let taken = limiters.tryAcquireFirst(left, keyId)
    if (taken === null) {
      const backend = limiters.shortestWait(left)
      try {
        const slot = await limiters.acquire(backend, keyId, {
          signal: client.signal,
          priority: this.req.priority,
        })
        taken = { backend, slot }
      } catch (err) {
        throw limiters.queueError(err) ?? err
      }
    }
    const { backend, slot } = taken
    this.backend = backend
    this.slot = slot
    backend.inFlight += 1
    return {
      name: backend.record.name,
      origin: backend.origin,
      key: backend.record.key,
      candidates: left.length,
      waitedMs: slot.waitedMs,
    }
  }

  answered(status: number): void {
    const backend = this.backend
    if (backend === null) return
    // Ollama's "server busy" (OLLAMA_MAX_QUEUE): it is up, and full.
    if (status === 503) this.corral.limiters.markFull(backend)
    else if (status >= 500) this.corral.pool.markFailure(backend, `answered ${status}`)
    else this.corral.pool.markSuccess(backend)
  }

  failed(message: string, refused: boolean): void {
    const backend = this.backend
    if (backend === null) return
    this.corral.pool.markFailure(backend, message, refused)
    this.left = (this.left ?? []).filter((b) => b !== backend)
  }

  release(): void {
    if (this.backend !== null) this.backend.inFlight -= 1
    this.slot?.release()
    this.backend = null
    this.slot = null
  }

  end(tokens: number | null): void {
    this.corral.owner.untrack(this.entry)
    this.releaseKey()
    if (tokens !== null) this.corral.limiters.settleTokens(this.entry.keyId, this.charged, tokens)
  }
}

function chooseBackends(corral: PoolHost, req: AdmitRequest): BackendState[] {
  const pool = corral.pool
  if (PINNED_KINDS.has(req.routeKind)) {
    const wanted = req.backendWanted
    const usable = pool.list().filter((b) => pool.isUsable(b))
    const pick =
      wanted !== null ? usable.find((b) => b.id === wanted || b.record.name === wanted) : usable[0]
    if (!pick) throw noBackendError(pool)
    refuseIfVulnerable(pick, req.routePath)
    return [pick]
  }
  const model = req.routeKind === 'any' ? null : req.state.model
  const strategy = corral.config.balancer.strategy
  const list = pool.candidates(model, strategy, (b) => corral.limiters.queued(b))
  if (list.length > 0) return list
  if (model !== null && !pool.anyHasModel(model)) {
    throw new CorralError('CORRAL_ERR_MODEL_NOT_FOUND', {
      message: `model "${model}" not found, try pulling it first`,
    })
  }
  throw noBackendError(pool)
}

/**
 * Model management on a backend whose Ollama has a known vulnerability (advisories/) stays
 * closed to every key until the owner updates it or accepts the risk for that backend.
 */
function refuseIfVulnerable(backend: BackendState, routePath: string): void {
  if (!GUARDED_ROUTES.has(routePath) || backend.record.acceptVulnerable === true) return
  const found = advisoriesFor(backend.version)
  if (found.length === 0) return
  throw new CorralError('CORRAL_ERR_BACKEND_VULNERABLE', {
    message:
      `backend "${backend.record.name}" runs Ollama ${backend.version}, which has ` +
      found.map((a) => `${a.cve} (fixed in ${a.fixedIn})`).join(', ') +
      `; creating, pulling and pushing models and uploading blobs are closed on it. ` +
      `Ask the owner to update Ollama to ${updateTo(found)} or later (or to accept the risk for this backend)`,
  })
}
