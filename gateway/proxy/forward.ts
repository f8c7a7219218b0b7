// Sending one request to one backend and relaying the answer, byte for byte, as it
// arrives, over our own keep-alive connections (upstream-pool.ts, http1.ts). A stream's
// chunked body goes from the backend's socket to the client's as the backend framed it:
// one scan and one write per read, nothing decoded or framed again (README, "How it
// works"). The client's disconnect aborts the backend request at every stage, a full
// client socket pauses the backend's, and a failure before the first response byte can
// move on to another backend.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { Agent } from 'undici'
import type { Dialect, ErrorCode } from '../errors.js'
import { Exchange, kExchange, onClientClose, type TaggedResponse } from './upstream-exchange.js'
import type { UpstreamPool } from './upstream-pool.js'

export { clientHeaders, upstreamHeaders } from './upstream-headers.js'
export { UpstreamPool } from './upstream-pool.js'
export { errorFrame, RefusedAnswer } from './upstream-exchange.js'

export interface UpstreamTarget {
  /** `http://host:port` of the backend. */
  origin: string
  /** Sent as `Authorization: Bearer` (a teammate's Corral as backend). */
  key: string | null
}

export interface UpstreamRequest {
  method: string
  /** Path and query, rebuilt from the route table. */
  path: string
  headers: IncomingHttpHeaders
  /** Header names that carried the client's key: never forwarded. */
  stripHeaders: readonly string[]
  /** The client address the gateway believes; sent as X-Forwarded-For instead of the client's own. */
  forwardedFor?: string
  body: Buffer | Readable | null
  headersTimeoutMs: number
  idleTimeoutMs: number
}

/** The undici agent for the gateway's own calls to backends (health, model lists, pulls). */
export function createUpstreamAgent(): Agent {
  return new Agent({
    // No cap on connections per backend: 500 streams must not queue behind a pool.
    connections: null,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connect: { timeout: 5_000 },
  })
}

/** What went wrong talking to a backend, and whether another backend may be tried. */
export function classifyUpstreamError(err: unknown): { code: ErrorCode; retryable: boolean } {
  const code = (err as { code?: string }).code ?? ''
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { code: 'CORRAL_ERR_BACKEND_TIMEOUT', retryable: false }
  }
  const beforeAnyByte = [
    'ECONNREFUSED',
    'ECONNRESET',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENOTFOUND',
    'EAI_AGAIN',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_SOCKET',
    'UND_ERR_CLOSED',
  ]
  return { code: 'CORRAL_ERR_BACKEND', retryable: beforeAnyByte.includes(code) }
}

export type RelayOutcome = 'done' | 'client_aborted' | 'backend_error'

export interface RelayOptions {
  dialect: Dialect
  /** Sees every body chunk as it passes (stats). Must be cheap. */
  onChunk?: (chunk: Buffer) => void
  onFirstByte?: () => void
  /** Added to the response headers (e.g. RateLimit-*). */
  extraHeaders?: Record<string, string>
}

export interface ProxyCallbacks extends RelayOptions {
  /**
   * Called once with the backend's status before anything is written to the client
   * (health marks), and whether the answer is a stream (its content type says so).
   * It may still set `onChunk` on this object: the relay reads it at each chunk.
   * Returning false refuses the answer (a busy backend's 503, to be tried elsewhere):
   * nothing reaches the client and `done` rejects with a RefusedAnswer.
   */
  onStatus?: (statusCode: number, streaming: boolean) => unknown
}

export interface ProxyExchange {
  /**
   * Settles when the exchange is over. Rejects only for a failure before the response
   * head (the error keeps undici's `code`, so classifyUpstreamError() decides a retry);
   * nothing has been written to the client then.
   */
  readonly done: Promise<RelayOutcome>
  /** The client went away: abort the upstream request at whatever stage it is. Idempotent. */
  abort(): void
  /**
   * What the client got so far ends where another frame may follow (an error frame), not
   * inside a chunk that was passed on as the backend framed it.
   */
  readonly atFrameBoundary: boolean
}

/**
 * One request to one backend and its answer relayed: no Promise per stage, no body stream,
 * no AbortController; the client's socket drives the backend's directly (a full client
 * buffer pauses the backend's socket, a closed client destroys it).
 */
export function proxyUpstream(
  pool: UpstreamPool,
  target: UpstreamTarget,
  req: UpstreamRequest,
  res: ServerResponse,
  cb: ProxyCallbacks,
): ProxyExchange {
  const exchange = new Exchange(pool, target, req, res, cb)
  if (res.destroyed) {
    // The client left while the request waited: nothing goes to the backend.
    if (req.body !== null && !Buffer.isBuffer(req.body)) req.body.destroy()
    exchange.abort()
    return exchange
  }
  ;(res as TaggedResponse)[kExchange] = exchange
  res.once('close', onClientClose)
  exchange.connect()
  return exchange
}
