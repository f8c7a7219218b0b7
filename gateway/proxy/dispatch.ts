// From "this request may go" to "the answer has been relayed": per-key
// token and concurrency limits, backend choice, the fair queue, one retry on
// another backend when the first could not be reached, and the stream relay.
import type { ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { Corral } from '../core.js'
import type { Limits } from '../config/schema.js'
import type { BackendState } from '../backends/pool.js'
import { isLoopback } from '../util/net.js'
import { CorralError, errorBody, type Dialect } from '../errors.js'
import { classifyUpstreamError, relayResponse, sendUpstream } from './forward.js'
import type { RouteDef } from './routes.js'
import { createUsageTap } from '../stats/usage-tap.js'
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

export async function dispatch(corral: Corral, ex: Exchange, plan: DispatchPlan): Promise<void> {
  const state = ex.state
  const keyId = state.key!.record.id
  const tokens = corral.limiters.checkTokens(keyId, plan.limits.tokensPerMinute)
  if (tokens) throw new CorralError('CORRAL_ERR_TOKENS', { headers: tokens.headers })
  const releaseKey = corral.limiters.acquireConcurrency(keyId, plan.limits.concurrency)
  if (!releaseKey) {
    throw new CorralError('CORRAL_ERR_CONCURRENCY', { headers: { 'retry-after': '1' } })
  }

  corral.observeDevice(keyId, state.key!.record.name, state.clientIp)
  const res = ex.res
  const abort = new AbortController()
  const onClose = () => {
    if (!res.writableFinished) abort.abort()
  }
  res.once('close', onClose)
  const extraHeaders = ex.takeOver()
  try {
    state.outcome = await forward(corral, ex, extraHeaders, plan, abort.signal)
  } catch (err) {
    const e = toCorralError(err, corral)
    state.outcome = abort.signal.aborted ? 'client_aborted' : errorOutcome(e)
    if (!abort.signal.aborted) writeError(res, state.dialect, e)
  } finally {
    releaseKey()
    res.off('close', onClose)
    const used = (state.promptTokens ?? 0) + (state.completionTokens ?? 0)
    if (used > 0) corral.limiters.chargeTokens(keyId, used)
    finishRecord(corral, ex, res.statusCode)
  }
}

async function forward(
  corral: Corral,
  ex: Exchange,
  extraHeaders: Record<string, string>,
  plan: DispatchPlan,
  signal: AbortSignal,
): Promise<'done' | 'client_aborted' | 'backend_error'> {
  const state = ex.state
  const candidates = chooseBackends(corral, ex, plan)
  const replayable = plan.body === null || Buffer.isBuffer(plan.body)
  const attempts = replayable ? Math.min(2, candidates.length) : 1
  const config = state.snapshot.config
  const priority = config.queue.localPriority && isLoopback(ex.req.socket.remoteAddress)

  for (let attempt = 0; attempt < attempts; attempt++) {
    const backend = candidates[attempt]!
    const slot = await corral.limiters.acquire(backend, state.key!.record.id, { signal, priority })
    state.queuedMs += slot.waitedMs
    state.queued ||= slot.waitedMs > 0
    state.backend = backend.record.name
    backend.inFlight += 1
    let upstream: Dispatcher.ResponseData
    try {
      upstream = await sendUpstream(
        corral.agent,
        { origin: backend.origin, key: backend.record.key },
        {
          method: ex.method,
          path: plan.path,
          headers: ex.headers,
          stripHeaders: state.snapshot.keyHeaders,
          forwardedFor: state.clientIp,
          body: plan.body,
          signal,
          headersTimeoutMs: config.server.upstreamHeadersTimeoutMs,
          idleTimeoutMs: config.server.upstreamIdleTimeoutMs,
        },
      )
    } catch (err) {
      backend.inFlight -= 1
      slot.release()
      if (signal.aborted) return 'client_aborted'
      const { retryable } = classifyUpstreamError(err)
      const code = (err as { code?: string }).code
      corral.pool.markFailure(
        backend,
        (err as Error).message,
        code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT',
      )
      if (retryable && attempt + 1 < attempts) continue
      throw err
    }
    try {
      if (upstream.statusCode >= 500)
        corral.pool.markFailure(backend, `answered ${upstream.statusCode}`)
      else corral.pool.markSuccess(backend)
      return await relay(corral, ex, extraHeaders, upstream)
    } finally {
      backend.inFlight -= 1
      slot.release()
    }
  }
  throw new CorralError('CORRAL_ERR_NO_BACKEND')
}

async function relay(
  corral: Corral,
  ex: Exchange,
  extraHeaders: Record<string, string>,
  upstream: Dispatcher.ResponseData,
): Promise<'done' | 'client_aborted' | 'backend_error'> {
  const state = ex.state
  const contentType = String(upstream.headers['content-type'] ?? '')
  const streaming = contentType.includes('ndjson') || contentType.includes('event-stream')
  const tap =
    upstream.statusCode < 400 && corral.stats.enabled && state.route?.usage === true
      ? createUsageTap(state.dialect, { streaming })
      : null
  const outcome = await relayResponse(ex.res, upstream, {
    dialect: state.dialect,
    streaming,
    onFirstByte: () => {
      state.ttfbMs = corral.now() - state.startedAt
    },
    onChunk: tap ? (chunk) => tap.push(chunk) : undefined,
    extraHeaders,
  })
  state.ttfbMs ??= corral.now() - state.startedAt
  if (tap) {
    const usage = tap.end()
    state.promptTokens = usage.promptTokens
    state.completionTokens = usage.completionTokens
  }
  return outcome
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
