// One stats record per request, written exactly once however the request ended.
import type { GatewayHost } from './host.js'
import type { RequestRecord } from '../stats/record.js'
import { computeTokensPerSecond, redactPath } from '../stats/record.js'
import type { RequestState } from './context.js'
import { pathOf } from './exchange.js'
import {
  BACKEND_NAME_MAX_CHARS,
  CLIENT_IP_MAX_CHARS,
  KEY_NAME_MAX_CHARS,
  METHOD_MAX_CHARS,
  PATH_MAX_CHARS,
  boundModel,
  boundNullable,
  boundText,
} from '../untrusted/bounds.js'

/** Anything shaped like a Corral key, as the stats' path redaction finds it. */
const KEY_LIKE = /crl_[A-Za-z0-9_-]{8,}/g

/** What a record needs to know of the request besides its state. */
export interface RecordedRequest {
  state: RequestState
  method: string
  url: string
  /** The route table's path, or what Fastify matched (`/metrics`, `/connect`). */
  endpoint: string
}

/** Requests the proxy answered itself: it knows how they ended. */
export function finishRecord(host: GatewayHost, request: RecordedRequest, status: number): void {
  const state = request.state
  if (state.recorded) return
  state.recorded = true
  host.stats.record(buildRecord(host, request, status), request.endpoint)
}

/** Answers sent before the proxy took over: refusals, limits, errors. */
export function recordReply(host: GatewayHost, request: RecordedRequest, status: number): void {
  const state = request.state
  // A request the proxy took over is recorded by it once its relay ended (tokens known).
  if (state.recorded || state.hijacked) return
  if (state.outcome === 'refused')
    state.outcome = status === 429 || status === 503 ? 'limited' : 'refused'
  finishRecord(host, request, status)
}

function buildRecord(host: GatewayHost, request: RecordedRequest, status: number): RequestRecord {
  const state = request.state
  const now = host.now()
  const durationMs = now - state.startedAt
  return {
    ts: state.startedAt,
    keyId: state.key?.record.id ?? null,
    // Every string bounded here (untrusted/bounds.ts): the store, the log, the live feed
    // and the metrics all get this record.
    keyName: boundNullable(state.key?.record.name, KEY_NAME_MAX_CHARS),
    clientIp: boundText(state.clientIp, CLIENT_IP_MAX_CHARS),
    backend: boundNullable(state.backend, BACKEND_NAME_MAX_CHARS),
    // Ollama's name grammar or a placeholder. `GET /v1/models/:model` takes the model from
    // the path: masked like the path (a key-shaped name is a valid name).
    model: boundModel(
      state.model?.includes('crl_') ? state.model.replace(KEY_LIKE, 'crl_[redacted]') : state.model,
    ),
    method: boundText(request.method, METHOD_MAX_CHARS),
    // Redacted here, not only in the store: the live feed and the metrics see this record too.
    path: redactPath(boundText(pathOf(request.url), PATH_MAX_CHARS)),
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
