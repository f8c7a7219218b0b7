// Every error a client can get from Corral, in one table. The README's error
// section is written from this table; tests refer to the codes, not to wording.

/**
 * The shape a path's errors take: Ollama's, OpenAI's, Anthropic's on `/v1/messages`, and the
 * Responses API's on `/v1/responses` (OpenAI's, with `event: error` in a stream).
 */
export type Dialect = 'ollama' | 'openai' | 'anthropic' | 'responses'

interface ErrorDef {
  status: number
  message: string
  /** OpenAI's `error.type` for this error. */
  type: string
}

export const ERRORS = {
  CORRAL_ERR_NO_KEY: {
    status: 401,
    message:
      'missing API key: send it as "Authorization: Bearer crl_..." (ask the owner for a key)',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_BAD_KEY: { status: 401, message: 'invalid API key', type: 'invalid_request_error' },
  CORRAL_ERR_GUEST_EXPIRED: {
    status: 401,
    message: 'this guest key expired: ask the owner for a new one (a new QR code)',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_SCOPE: {
    status: 403,
    message: 'this key may not use this endpoint',
    type: 'permission_error',
  },
  CORRAL_ERR_IP: {
    status: 403,
    message: 'your address may not use this gateway',
    type: 'permission_error',
  },
  CORRAL_ERR_MODEL: {
    status: 403,
    message: 'this key may not use this model',
    type: 'permission_error',
  },
  CORRAL_ERR_CLOUD_MODEL: {
    status: 403,
    message:
      "this key may not use cloud models: they run on the owner's ollama.com account; ask the owner to allow cloud models for this key",
    type: 'permission_error',
  },
  CORRAL_ERR_NOT_FOUND: { status: 404, message: 'not found', type: 'invalid_request_error' },
  CORRAL_ERR_METHOD: {
    status: 405,
    message: 'method not allowed',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_MODEL_NOT_FOUND: {
    status: 404,
    message: 'model not found, try pulling it first',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_BAD_REQUEST: { status: 400, message: 'bad request', type: 'invalid_request_error' },
  CORRAL_ERR_BAD_JSON: {
    status: 400,
    message: 'request body is not valid JSON',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_ENCODING: {
    status: 415,
    message: 'compressed request bodies are not accepted; send the body uncompressed',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_TOO_LARGE: {
    status: 413,
    message: 'request body is too large',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_RATE: { status: 429, message: 'rate limit exceeded', type: 'rate_limit_error' },
  CORRAL_ERR_TOKENS: {
    status: 429,
    message: 'token limit exceeded',
    type: 'rate_limit_error',
  },
  CORRAL_ERR_CONCURRENCY: {
    status: 429,
    message: 'too many requests in flight for this key',
    type: 'rate_limit_error',
  },
  CORRAL_ERR_QUEUE_FULL: {
    status: 503,
    message: 'the backends are busy and this key has too many requests waiting',
    type: 'server_error',
  },
  CORRAL_ERR_QUEUE_TIMEOUT: {
    status: 503,
    message: 'the backends stayed busy for too long',
    type: 'server_error',
  },
  CORRAL_ERR_NO_BACKEND: {
    status: 503,
    message: 'no backend is available: ask the owner to add or enable one',
    type: 'server_error',
  },
  CORRAL_ERR_BACKEND: {
    status: 502,
    message: 'the backend failed to answer',
    type: 'server_error',
  },
  CORRAL_ERR_BACKEND_TIMEOUT: {
    status: 504,
    message: 'the backend took too long to answer',
    type: 'server_error',
  },
  CORRAL_ERR_STREAM_BROKEN: {
    status: 502,
    message: 'the backend stopped in the middle of the response',
    type: 'server_error',
  },
  CORRAL_ERR_BACKEND_VULNERABLE: {
    status: 403,
    message:
      'this backend runs an Ollama version with a known vulnerability; model management is closed on it until the owner updates Ollama or accepts the risk',
    type: 'permission_error',
  },
  CORRAL_ERR_INTERNAL: { status: 500, message: 'internal error', type: 'server_error' },
  CORRAL_ERR_BODY_IDLE: {
    status: 408,
    message: 'the request body stalled',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_BACKENDS_BUSY: {
    status: 503,
    message: 'every backend with this model said it is busy',
    type: 'server_error',
  },
  CORRAL_ERR_BODY_SLOW: {
    status: 408,
    message: 'the request body arrived too slowly',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_PAUSED: { status: 503, message: 'paused by the owner', type: 'server_error' },
  CORRAL_ERR_KICKED: {
    status: 503,
    message: 'cancelled by the owner',
    type: 'server_error',
  },
  CORRAL_ERR_SUBNET: {
    status: 403,
    message:
      'this key is bound to another network (a guest key works only from the network it was first used on)',
    type: 'permission_error',
  },
  CORRAL_ERR_DEVICE_UNKNOWN: {
    status: 401,
    message: 'this device is waiting for the owner to allow it',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_SIGNATURE: {
    status: 401,
    message: 'the device signature is not valid',
    type: 'invalid_request_error',
  },
  CORRAL_ERR_DEVICE_DENIED: {
    status: 403,
    message: 'the owner refused this device',
    type: 'permission_error',
  },
  CORRAL_ERR_OLLAMA_DOWN: {
    status: 503,
    message: "the owner's Ollama is not running: ask them to start it (ollama serve)",
    type: 'server_error',
  },
  CORRAL_ERR_HTTPS_REQUIRED: {
    status: 400,
    message: 'this server uses HTTPS: use the same address with https://',
    type: 'invalid_request_error',
  },
} as const satisfies Record<string, ErrorDef>

export type ErrorCode = keyof typeof ERRORS

/** A refusal or failure that reaches the client as a status and a message in its dialect. */
export class CorralError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly headers: Record<string, string>
  /** More fields of an Ollama-dialect body (`signin_url`, `status`: the `ollama` CLI reads them). */
  readonly extra: Record<string, string> | undefined

  constructor(
    code: ErrorCode,
    opts: {
      message?: string
      cause?: unknown
      headers?: Record<string, string>
      extra?: Record<string, string>
    } = {},
  ) {
    super(opts.message ?? ERRORS[code].message, { cause: opts.cause })
    this.name = 'CorralError'
    this.code = code
    this.status = ERRORS[code].status
    this.headers = opts.headers ?? {}
    this.extra = opts.extra
  }
}

/** The dialect a path answers in: OpenAI's shape under /v1 (Anthropic's on /v1/messages). */
export function dialectOf(path: string): Dialect {
  if (!path.startsWith('/v1/') && path !== '/v1') return 'ollama'
  const end = path.indexOf('?')
  const p = end < 0 ? path : path.slice(0, end)
  if (p === '/v1/messages') return 'anthropic'
  return p === '/v1/responses' ? 'responses' : 'openai'
}

/** Anthropic's error types by status (as ollama anthropic/anthropic.go NewError maps them). */
function anthropicType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    503: 'overloaded_error',
  }
  return types[status] ?? 'api_error'
}

/** Anything shaped like a Corral key (a key pasted into a URL or a model name). */
const KEY_LIKE = /crl_[A-Za-z0-9_-]{8,}/g

/**
 * The JSON body of an error in the client's dialect. Messages that echo what the
 * client sent (a path, a model name) have anything key-shaped masked: an error
 * is logged by clients and proxies, and a key must not end up there.
 */
export function errorBody(
  dialect: Dialect,
  code: ErrorCode,
  text: string,
  extra?: Record<string, string>,
): unknown {
  const message = text.includes('crl_') ? text.replace(KEY_LIKE, 'crl_[redacted]') : text
  if (dialect === 'anthropic') {
    return { type: 'error', error: { type: anthropicType(ERRORS[code].status), message } }
  }
  if (dialect !== 'ollama') {
    return { error: { message, type: ERRORS[code].type, param: null, code: code.toLowerCase() } }
  }
  return extra ? { error: message, ...extra } : { error: message }
}
