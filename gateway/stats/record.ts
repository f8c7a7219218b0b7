// One request as the stats see it: what the store keeps, the live feed sends, the
// metrics count and the access log writes.
import {
  BACKEND_NAME_MAX_CHARS,
  CLIENT_IP_MAX_CHARS,
  KEY_ID_MAX_CHARS,
  KEY_NAME_MAX_CHARS,
  METHOD_MAX_CHARS,
  PATH_MAX_CHARS,
  boundModel,
  boundNullable,
  boundText,
} from '../untrusted/bounds.js'

/** How a request ended. */
export const OUTCOMES = ['done', 'client_aborted', 'backend_error', 'limited', 'refused'] as const
/**
 * - `done`: the response was sent in full (whatever its status).
 * - `client_aborted`: the client went away before the end.
 * - `backend_error`: the backend failed (unreachable, 5xx of its own, or cut mid-stream).
 * - `limited`: a rate, token, concurrency or queue limit answered 429.
 * - `refused`: 401/403/404 before any backend was involved.
 */
export type Outcome = (typeof OUTCOMES)[number]

export interface RequestRecord {
  /** Start of the request, ms since the epoch. */
  ts: number
  keyId: string | null
  keyName: string | null
  clientIp: string
  backend: string | null
  model: string | null
  method: string
  path: string
  status: number
  durationMs: number
  /** Time until the first byte of the response body was sent; null when none was. */
  ttfbMs: number | null
  promptTokens: number | null
  completionTokens: number | null
  tokensPerSecond: number | null
  /** Whether the request waited in the fair queue. */
  queued: boolean
  queueMs: number
  outcome: Outcome
}

/** Below this much generation time the full duration is used instead (one-shot answers). */
const MIN_GENERATION_MS = 1

/**
 * Completion tokens per second of generation, where generation is the time from the
 * first byte to the end (duration − ttfb). A non-streaming answer has its first byte at
 * the end, so then the whole duration counts. Null when there is nothing to divide.
 */
export function computeTokensPerSecond(
  completionTokens: number | null,
  durationMs: number,
  ttfbMs: number | null,
): number | null {
  if (completionTokens === null || !(completionTokens > 0)) return null
  if (!Number.isFinite(durationMs) || durationMs <= 0) return null
  const generationMs =
    ttfbMs !== null && Number.isFinite(ttfbMs) && durationMs - ttfbMs >= MIN_GENERATION_MS
      ? durationMs - ttfbMs
      : durationMs
  return Math.round((completionTokens / generationMs) * 1000 * 100) / 100
}

/** The record with `tokensPerSecond` computed from its other fields. */
export function withTokensPerSecond(record: Omit<RequestRecord, 'tokensPerSecond'>): RequestRecord {
  return {
    ...record,
    tokensPerSecond: computeTokensPerSecond(
      record.completionTokens,
      record.durationMs,
      record.ttfbMs,
    ),
  }
}

/** Errors in totals and rollups: an error status, or a backend that failed mid-stream. */
export function isErrorRecord(record: Pick<RequestRecord, 'status' | 'outcome'>): boolean {
  return record.status >= 400 || record.outcome === 'backend_error'
}

const finite = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null
const nonNegative = (value: unknown): number | null => {
  const n = finite(value)
  return n === null || n < 0 ? null : n
}
const text = (value: unknown): string | null =>
  typeof value === 'string' ? value : value === null || value === undefined ? null : String(value)

/**
 * A clean copy of a record as it came from the request path: numbers finite and not
 * negative (or null where null is allowed), an outcome from the list, strings bounded
 * (untrusted/bounds.ts), the path redacted,
 * tokensPerSecond computed when the caller left it out.
 */
export function normalizeRecord(r: RequestRecord): RequestRecord {
  const count = (value: unknown) => {
    const n = nonNegative(value)
    return n === null ? null : Math.round(n)
  }
  return {
    ts: finite(r.ts) ?? Date.now(),
    keyId: boundNullable(text(r.keyId), KEY_ID_MAX_CHARS),
    keyName: boundNullable(text(r.keyName), KEY_NAME_MAX_CHARS),
    clientIp: boundText(text(r.clientIp) ?? '', CLIENT_IP_MAX_CHARS),
    backend: boundNullable(text(r.backend), BACKEND_NAME_MAX_CHARS),
    model: boundModel(text(r.model)),
    method: boundText(text(r.method) ?? '', METHOD_MAX_CHARS),
    path: redactPath(boundText(text(r.path) ?? '', PATH_MAX_CHARS)),
    status: Math.round(finite(r.status) ?? 0),
    durationMs: nonNegative(r.durationMs) ?? 0,
    ttfbMs: nonNegative(r.ttfbMs),
    promptTokens: count(r.promptTokens),
    completionTokens: count(r.completionTokens),
    tokensPerSecond:
      nonNegative(r.tokensPerSecond) ??
      computeTokensPerSecond(
        count(r.completionTokens),
        nonNegative(r.durationMs) ?? 0,
        nonNegative(r.ttfbMs),
      ),
    queued: r.queued === true,
    queueMs: nonNegative(r.queueMs) ?? 0,
    outcome: (OUTCOMES as readonly string[]).includes(r.outcome) ? r.outcome : 'done',
  }
}

const KEY_LIKE = /crl_[A-Za-z0-9_-]{8,}/g

/**
 * The path as stored and logged: without its query string (the Ollama and OpenAI APIs
 * carry nothing there, but a client might put a key there) and with anything shaped like
 * a Corral key masked.
 */
export function redactPath(path: string): string {
  const query = path.indexOf('?')
  const bare = query === -1 ? path : path.slice(0, query)
  return bare.includes('crl_') ? bare.replace(KEY_LIKE, 'crl_[redacted]') : bare
}
