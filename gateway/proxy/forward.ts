// Sending one request to one backend and relaying the answer, byte for byte, as it
// arrives, over our own keep-alive connections (upstream-pool.ts, http1.ts). A stream's
// chunked body goes from the backend's socket to the client's as the backend framed it:
// one scan and one write per read, nothing decoded or framed again (README, "How it
// works"). The client's disconnect aborts the backend request at every stage, a full
// client socket pauses the backend's, and a failure before the first response byte can
// move on to another backend.
import type { ServerResponse } from 'node:http'
import { Agent } from 'undici'
import type { ErrorCode } from '../errors.js'
import { kExchange, onClientClose, type TaggedResponse } from './client-answer.js'
import { Exchange } from './upstream-exchange.js'
import type { UpstreamPool } from './upstream-pool.js'
import type {
  ProxyCallbacks,
  ProxyExchange,
  UpstreamRequest,
  UpstreamTarget,
} from './relay-types.js'

export type * from './relay-types.js'

export { clientHeaders, upstreamHeaders } from './upstream-headers.js'
export { UpstreamPool } from './upstream-pool.js'
export { HOLD, RefusedAnswer } from './upstream-exchange.js'
export { errorFrame } from './error-answers.js'

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
