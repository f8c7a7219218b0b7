// One stats record per request, written exactly once however the request ended.
import type { FastifyRequest } from 'fastify'
import type { Corral } from '../core.js'
import type { RequestRecord } from '../stats/record.js'
import { computeTokensPerSecond, redactPath } from '../stats/record.js'

/** Anything shaped like a Corral key, as the stats' path redaction finds it. */
const KEY_LIKE = /crl_[A-Za-z0-9_-]{8,}/g

/** Requests that were hijacked by the proxy: the relay knows how they ended. */
export function finishRecord(corral: Corral, request: FastifyRequest, status: number): void {
  const state = request.corral
  if (state.recorded) return
  state.recorded = true
  const endpoint = state.route?.path ?? request.routeOptions.url ?? 'other'
  corral.stats.record(buildRecord(corral, request, status), endpoint)
}

/** Replies Fastify sent itself: refusals, limits, merged model lists. */
export function recordReply(corral: Corral, request: FastifyRequest, status: number): void {
  const state = request.corral
  // A hijacked request is recorded by the proxy once its relay ended (tokens known).
  if (!state || state.recorded || state.hijacked) return
  if (state.outcome === 'refused')
    state.outcome = status === 429 || status === 503 ? 'limited' : 'refused'
  finishRecord(corral, request, status)
}

function buildRecord(corral: Corral, request: FastifyRequest, status: number): RequestRecord {
  const state = request.corral
  const now = corral.now()
  const durationMs = now - state.startedAt
  const q = request.url.indexOf('?')
  return {
    ts: state.startedAt,
    keyId: state.key?.record.id ?? null,
    keyName: state.key?.record.name ?? null,
    clientIp: state.clientIp,
    backend: state.backend,
    // `GET /v1/models/:model` takes the model from the path: masked like the path.
    model: state.model?.includes('crl_')
      ? state.model.replace(KEY_LIKE, 'crl_[redacted]')
      : state.model,
    method: request.method,
    // Redacted here, not only in the store: the live feed and the metrics see this record too.
    path: redactPath((q === -1 ? request.url : request.url.slice(0, q)).slice(0, 200)),
    status,
    durationMs,
    ttfbMs: state.ttfbMs,
    promptTokens: state.promptTokens,
    completionTokens: state.completionTokens,
    tokensPerSecond: computeTokensPerSecond(state.completionTokens, durationMs, state.ttfbMs),
    queued: state.queued,
    queueMs: state.queuedMs,
    outcome: state.outcome,
  }
}
