// From "this request may go" to "the answer has been relayed": per-key
// token and concurrency limits, backend choice (the best one with a free slot,
// else the shortest line), the fair queue, a retry on the next backend when one
// could not be reached, and the stream relay.
import type { ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { Corral } from '../core.js'
import type { Limits } from '../config/schema.js'
import { effectiveCapacity, type BackendState } from '../backends/pool.js'
import type { Slot } from '../limits/limiters.js'
import { isLoopback } from '../util/net.js'
import { CorralError, errorBody, type Dialect } from '../errors.js'
import {
  classifyUpstreamError,
  errorFrame,
  proxyUpstream,
  RefusedAnswer,
  type ProxyCallbacks,
  type ProxyExchange,
} from './forward.js'
import type { EndKicked, InFlight } from '../owner/in-flight.js'
import type { RouteDef } from './routes.js'
import { createUsageTap, type UsageTap } from '../stats/usage-tap.js'
import { finishRecord } from './record.js'
import type { Exchange } from './exchange.js'

export interface DispatchPlan {
  route: RouteDef
  /** Upstream path with query. */
  path: string
  body: Buffer | Readable | null
  model: string | null
  streaming: boolean
  limits: Limits
}

/** Routes that change a backend's models go to one chosen backend, not a balanced one. */
const PINNED_KINDS = new Set(['manage', 'blob'])
/** A backend may be asked for explicitly (model management on a multi-backend setup). */
const BACKEND_HEADER = 'x-corral-backend'
/** Busy answers (503) one request is moved on from; past this the client sees the 503. */
const MAX_BUSY_ANSWERS = 8
const BUSY_STATUS = 503

export async function dispatch(corral: Corral, ex: Exchange, plan: DispatchPlan): Promise<void> {
  const state = ex.state
  const keyId = state.key!.record.id
  const tokens = corral.limiters.checkTokens(keyId, plan.limits.tokensPerMinute)
  if (tokens) throw new CorralError('CORRAL_ERR_TOKENS', { headers: tokens.headers })
  const releaseKey = corral.limiters.acquireConcurrency(keyId, plan.limits.concurrency)
  if (!releaseKey) {
    throw new CorralError('CORRAL_ERR_CONCURRENCY', { headers: { 'retry-after': '1' } })
  }

  const entry = corral.owner.track(state, ex.headers['user-agent'])
  if (entry === null) {
    releaseKey()
    throw new CorralError('CORRAL_ERR_KICKED')
  }
  corral.observeDevice(keyId, state.key!.record.name, state.clientIp)
  const res = ex.res
  const client = new ClientWatch(res)
  const extraHeaders = ex.takeOver()
  try {
    state.outcome = await forward(corral, ex, extraHeaders, plan, client, entry)
    if (entry.kicked) state.outcome = 'refused'
  } catch (err) {
    const e = toCorralError(err, corral)
    state.outcome = client.gone ? 'client_aborted' : errorOutcome(e)
    if (!client.gone) writeError(res, state.dialect, e)
  } finally {
    corral.owner.untrack(entry)
    releaseKey()
    client.detach()
    const used = (state.promptTokens ?? 0) + (state.completionTokens ?? 0)
    if (used > 0) corral.limiters.chargeTokens(keyId, used)
    finishRecord(corral, ex, res.statusCode)
  }
}

/**
 * Whether the client is still there. The abort signal the fair queue needs is made only
 * for a request that has to wait: most never do, and an AbortController costs more than
 * the rest of the bookkeeping. While the backend answers, proxyUpstream() watches itself.
 */
class ClientWatch {
  gone = false
  private controller: AbortController | null = null
  private readonly onClose = () => {
    if (this.res.writableFinished) return
    this.gone = true
    this.controller?.abort()
  }

  constructor(private readonly res: ServerResponse) {
    res.once('close', this.onClose)
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController()
    if (this.gone) this.controller.abort()
    return this.controller.signal
  }

  detach(): void {
    this.res.off('close', this.onClose)
  }
}

type Outcome = 'done' | 'client_aborted' | 'backend_error'

async function forward(
  corral: Corral,
  ex: Exchange,
  extraHeaders: Record<string, string>,
  plan: DispatchPlan,
  client: ClientWatch,
  entry: InFlight,
): Promise<Outcome> {
  const state = ex.state
  const replayable = plan.body === null || Buffer.isBuffer(plan.body)
  const config = state.snapshot.config
  // Backends not yet tried and failed; a body that was streamed cannot be sent twice.
  let left = chooseBackends(corral, ex, plan)
  let busyAnswers = 0

  for (;;) {
    const { backend, slot } = await takeSlot(corral, ex, left, client)
    if (client.gone || entry.kicked) {
      slot.release()
      if (entry.kicked) throw new CorralError('CORRAL_ERR_KICKED')
      return 'client_aborted'
    }
    state.backend = backend.record.name
    backend.inFlight += 1
    const mayRefuse = replayable && busyAnswers < MAX_BUSY_ANSWERS
    const relay = new RelayState(corral, ex, backend, extraHeaders, mayRefuse)
    try {
      const upstream = proxyUpstream(
        corral.upstream,
        { origin: backend.origin, key: backend.record.key },
        {
          method: ex.method,
          path: plan.path,
          headers: ex.headers,
          stripHeaders: state.snapshot.keyHeaders,
          forwardedFor: state.clientIp,
          body: plan.body,
          headersTimeoutMs: config.server.upstreamHeadersTimeoutMs,
          idleTimeoutMs: config.server.upstreamIdleTimeoutMs,
        },
        ex.res,
        relay,
      )
      relay.upstream = upstream
      entry.attached = relay
      const outcome = await upstream.done
      relay.end()
      return outcome
    } catch (err) {
      // Only a failure before the backend's response head lands here: nothing was written.
      if (client.gone) return 'client_aborted'
      if (entry.kicked) throw new CorralError('CORRAL_ERR_KICKED')
      if (err instanceof RefusedAnswer) {
        // Busy, not broken: it was marked full. Wait again where a slot will free up (a
        // backend running requests of ours); when none has one, say so now.
        busyAnswers++
        if (left.some((b) => effectiveCapacity(b) > 0)) continue
        throw new CorralError('CORRAL_ERR_BACKENDS_BUSY', { headers: { 'retry-after': '1' } })
      }
      const { retryable } = classifyUpstreamError(err)
      const code = (err as { code?: string }).code
      corral.pool.markFailure(
        backend,
        (err as Error).message,
        code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT',
      )
      left = left.filter((b) => b !== backend)
      if (retryable && replayable && left.length > 0) continue
      throw err
    } finally {
      entry.attached = null
      backend.inFlight -= 1
      slot.release()
    }
  }
}

/**
 * A slot on the first of `list` (best first) that has one free now; when none has,
 * a place in the line of the backend that should free one first.
 */
async function takeSlot(
  corral: Corral,
  ex: Exchange,
  list: readonly BackendState[],
  client: ClientWatch,
): Promise<{ backend: BackendState; slot: Slot }> {
  const state = ex.state
  const keyId = state.key!.record.id
  const free = corral.limiters.tryAcquireFirst(list, keyId)
  if (free !== null) return free
  const backend = corral.limiters.shortestWait(list)
  const priority =
    state.snapshot.config.queue.localPriority && isLoopback(ex.req.socket?.remoteAddress)
  const slot = await corral.limiters.acquire(backend, keyId, { signal: client.signal, priority })
  state.queuedMs += slot.waitedMs
  state.queued ||= slot.waitedMs > 0
  return { backend, slot }
}

/** The relay's callbacks for one attempt: health marks, time to first byte, the usage tap. */
class RelayState implements ProxyCallbacks {
  readonly dialect: Dialect
  onChunk: ((chunk: Buffer) => void) | undefined = undefined
  /** The answer is a stream (NDJSON or SSE), as the relay decided from its Content-Type. */
  streaming = false
  /** The exchange with the backend, once sent (a kick aborts it). */
  upstream: ProxyExchange | null = null
  private tap: UsageTap | null = null

  constructor(
    private readonly corral: Corral,
    readonly ex: Exchange,
    private readonly backend: BackendState,
    readonly extraHeaders: Record<string, string>,
    /** A busy answer may be refused (tried again elsewhere) rather than relayed. */
    private readonly mayRefuseBusy: boolean,
  ) {
    this.dialect = ex.state.dialect
  }

  onStatus(statusCode: number, streaming: boolean): boolean {
    const { corral, backend, ex } = this
    this.streaming = streaming
    if (statusCode === BUSY_STATUS) {
      // Ollama's "server busy" (OLLAMA_MAX_QUEUE): it is up, and full.
      corral.limiters.markFull(backend)
      if (this.mayRefuseBusy) return false
    } else if (statusCode >= 500) corral.pool.markFailure(backend, `answered ${statusCode}`)
    else corral.pool.markSuccess(backend)
    if (statusCode < 400 && corral.stats.enabled && ex.state.route?.usage === true) {
      const tap = createUsageTap(this.dialect, { streaming })
      this.tap = tap
      this.onChunk = (chunk) => tap.push(chunk)
    }
    return true
  }

  onFirstByte(): void {
    const state = this.ex.state
    state.ttfbMs = this.corral.now() - state.startedAt
  }

  /** Content frames relayed so far (the live tokens/s). */
  chunks(): number {
    return this.tap?.chunks() ?? 0
  }

  /** The relay is over (however it ended): what the tap read becomes the record's tokens. */
  end(): void {
    const state = this.ex.state
    state.ttfbMs ??= this.corral.now() - state.startedAt
    if (this.tap !== null) {
      const usage = this.tap.end()
      state.promptTokens = usage.promptTokens
      state.completionTokens = usage.completionTokens
    }
  }
}

function chooseBackends(corral: Corral, ex: Exchange, plan: DispatchPlan): BackendState[] {
  const config = ex.state.snapshot.config
  const pool = corral.pool
  if (PINNED_KINDS.has(plan.route.kind)) {
    const wanted = ex.headers[BACKEND_HEADER]
    const usable = pool.list().filter((b) => pool.isUsable(b))
    const pick =
      typeof wanted === 'string'
        ? usable.find((b) => b.id === wanted || b.record.name === wanted)
        : usable[0]
    if (!pick) throw new CorralError('CORRAL_ERR_NO_BACKEND')
    return [pick]
  }
  const model = plan.route.kind === 'any' ? null : plan.model
  const list = pool.candidates(model, config.balancer.strategy, (b) => corral.limiters.queued(b))
  if (list.length > 0) return list
  if (model !== null && !pool.anyHasModel(model)) {
    throw new CorralError('CORRAL_ERR_MODEL_NOT_FOUND', {
      message: `model "${model}" not found, try pulling it first`,
    })
  }
  throw new CorralError('CORRAL_ERR_NO_BACKEND')
}

function toCorralError(err: unknown, corral: Corral): CorralError {
  if (err instanceof CorralError) return err
  const named = corral.limiters.queueError(err)
  if (named) return named
  const { code } = classifyUpstreamError(err)
  return new CorralError(code, { cause: err })
}

function errorOutcome(err: CorralError): 'limited' | 'backend_error' | 'refused' {
  if (err.status === 429 || err.code.startsWith('CORRAL_ERR_QUEUE')) return 'limited'
  return err.status < 500 ? 'refused' : 'backend_error'
}

/**
 * The owner kicked a request the backend has: abort it the way a leaving client does
 * (frees the GPU), then end the client's answer with the kick's error — a JSON error before
 * the head, a last error frame on a stream, a cut connection on a half-sent body.
 */
export const endKicked: EndKicked = (entry) => {
  const relay = entry.attached as RelayState
  const upstream = relay.upstream
  if (upstream === null) return
  const { res } = relay.ex
  const dialect = relay.dialect
  upstream.abort()
  const err = new CorralError('CORRAL_ERR_KICKED')
  if (!res.headersSent) return writeError(res, dialect, err)
  if (res.writableEnded || res.destroyed) return
  if (relay.streaming && upstream.atFrameBoundary) res.end(errorFrame(dialect, err))
  else res.destroy()
}

/** An error before any response byte: a normal JSON error in the client's dialect. */
export function writeError(res: ServerResponse, dialect: Dialect, err: CorralError): void {
  if (res.headersSent || res.destroyed) {
    if (!res.writableEnded) res.destroy()
    return
  }
  const body = JSON.stringify(errorBody(dialect, err.code, err.message))
  res.writeHead(err.status, {
    ...err.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}
