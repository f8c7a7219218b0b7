// Sending one request to one backend and relaying the answer, byte for byte,
// as it arrives. Built on undici directly (see README, "Why not reply-from"):
// the client's disconnect aborts the upstream request at every stage, and a
// failure before the first response byte can move on to another backend.
// One undici handler per request (proxyUpstream): no body stream, no promise per stage.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { Agent, errors, type Dispatcher } from 'undici'
import { CorralError, errorBody, type Dialect, type ErrorCode } from '../errors.js'
import { isStreamingContentType } from '../stats/usage-tap.js'

/** Headers that describe one hop and never cross the proxy (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
  'content-length',
])

/** Forwarding headers a client may forge; replaced by the address the gateway saw. */
const CLIENT_FORWARDING = ['x-forwarded-for', 'forwarded', 'x-real-ip']

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

/**
 * HOP_BY_HOP, what a client claims about its address (a backend that trusts this
 * gateway as a proxy must get our word, set below), and one snapshot's key headers;
 * built once per list (a snapshot keeps its list).
 */
const dropSets = new WeakMap<readonly string[], ReadonlySet<string>>()

function dropSetFor(stripHeaders: readonly string[]): ReadonlySet<string> {
  let set = dropSets.get(stripHeaders)
  if (set === undefined) {
    set = new Set([...HOP_BY_HOP, ...CLIENT_FORWARDING, ...stripHeaders])
    dropSets.set(stripHeaders, set)
  }
  return set
}

/** Header names the Connection header lists (hop-by-hop too) that `drop` does not have yet. */
function connectionNamed(
  value: string | string[] | undefined,
  drop: ReadonlySet<string>,
): Set<string> | null {
  if (typeof value !== 'string') return null
  let named: Set<string> | null = null
  for (const n of value.split(',')) {
    const name = n.trim().toLowerCase()
    if (name && !drop.has(name)) (named ??= new Set()).add(name)
  }
  return named
}

/** Build the headers a backend sees: the client's, minus hop-by-hop, minus keys. */
export function upstreamHeaders(
  req: UpstreamRequest,
  target: UpstreamTarget,
  bodyLength: number | null,
): Record<string, string | string[]> {
  const drop = dropSetFor(req.stripHeaders)
  // The Connection header may only remove headers, never ones the gateway adds.
  const named = connectionNamed(req.headers.connection, drop)
  const out: Record<string, string | string[]> = {}
  for (const name of Object.keys(req.headers)) {
    const value = req.headers[name]
    if (value === undefined || drop.has(name) || named?.has(name)) continue
    out[name] = value
  }
  if (req.forwardedFor) out['x-forwarded-for'] = req.forwardedFor
  if (bodyLength !== null) out['content-length'] = String(bodyLength)
  if (target.key) out.authorization = `Bearer ${target.key}`
  return out
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

/** The headers a client sees: the backend's, minus hop-by-hop, plus the gateway's own. */
export function clientHeaders(
  upstream: IncomingHttpHeaders,
  streaming: boolean,
  extraHeaders: Record<string, string> | undefined,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {}
  for (const name in upstream) {
    const value = upstream[name]
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    headers[name] = value
  }
  const length = upstream['content-length']
  if (typeof length === 'string') headers['content-length'] = length
  if (streaming) headers['x-accel-buffering'] = 'no'
  if (extraHeaders !== undefined) Object.assign(headers, extraHeaders)
  return headers
}

/** One stream frame carrying an error, as each client's stream parser expects it. */
export function errorFrame(dialect: Dialect, err: CorralError): string {
  const body = JSON.stringify(errorBody(dialect, err.code, err.message))
  return dialect === 'openai' ? `data: ${body}\n\n` : `${body}\n`
}

export interface ProxyCallbacks extends RelayOptions {
  /**
   * Called once with the backend's status before anything is written to the client
   * (health marks), and whether the answer is a stream (its content type says so).
   * It may still set `onChunk` on this object: the relay reads it at each chunk.
   */
  onStatus?: (statusCode: number, streaming: boolean) => void
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
}

/**
 * One request to one backend and its answer relayed, in one undici handler: no Promise per stage, no
 * body stream, no AbortController; the client's socket drives the backend's directly
 * (a full client buffer pauses the backend's socket, a closed client aborts it).
 */
export function proxyUpstream(
  agent: Dispatcher,
  target: UpstreamTarget,
  req: UpstreamRequest,
  res: ServerResponse,
  cb: ProxyCallbacks,
): ProxyExchange {
  const exchange = new Exchange(res, cb)
  const body = req.body
  if (res.destroyed) {
    // The client left while the request waited: nothing goes to the backend.
    if (body !== null && !Buffer.isBuffer(body)) body.destroy()
    exchange.abort()
    return exchange
  }
  ;(res as TaggedResponse)[kExchange] = exchange
  res.once('close', onClientClose)
  agent.dispatch(
    {
      origin: target.origin,
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: upstreamHeaders(req, target, Buffer.isBuffer(body) ? body.length : null),
      body,
      headersTimeout: req.headersTimeoutMs,
      bodyTimeout: req.idleTimeoutMs,
    },
    exchange,
  )
  return exchange
}

/** The exchange a client response belongs to, so its listeners need no closure. */
const kExchange = Symbol('corral.exchange')
type TaggedResponse = ServerResponse & { [kExchange]?: Exchange }

function onClientClose(this: TaggedResponse): void {
  if (!this.writableFinished) this[kExchange]?.abort()
}

function onClientDrain(this: TaggedResponse): void {
  this[kExchange]?.drained()
}

/** One request's state, and the undici handler that relays its answer. */
class Exchange implements ProxyExchange, Dispatcher.DispatchHandler {
  readonly done: Promise<RelayOutcome>
  private resolve!: (outcome: RelayOutcome) => void
  private reject!: (err: Error) => void
  private controller: Dispatcher.DispatchController | null = null
  private settled = false
  private headWritten = false
  private streaming = false
  private firstByte = true
  private waitingDrain = false

  constructor(
    private readonly res: ServerResponse,
    private readonly cb: ProxyCallbacks,
  ) {
    this.done = new Promise<RelayOutcome>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  abort(): void {
    if (!this.finish()) return
    // Settled first: the abort reports back through onResponseError synchronously.
    this.controller?.abort(new errors.RequestAbortedError('the client went away'))
    this.resolve('client_aborted')
  }

  drained(): void {
    this.waitingDrain = false
    if (!this.settled) this.controller?.resume()
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller
    // Aborted while queued for a connection: stop before a byte is sent.
    if (this.settled) controller.abort(new errors.RequestAbortedError('the client went away'))
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200 || this.settled) return
    // The stats' rule: the usage tap is told the same thing the relay decides here.
    const type = headers['content-type']
    const streaming = isStreamingContentType(typeof type === 'string' ? type : undefined)
    this.streaming = streaming
    this.cb.onStatus?.(statusCode, streaming)
    const res = this.res
    res.writeHead(statusCode, clientHeaders(headers, streaming, this.cb.extraHeaders))
    this.headWritten = true
    // A stream's headers go out at once: a client waiting on a slow first token sees it open.
    // Any other answer sends its headers with the first body bytes: one write, not two.
    if (streaming) res.flushHeaders()
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return
    if (this.firstByte) {
      this.firstByte = false
      this.cb.onFirstByte?.()
    }
    this.cb.onChunk?.(chunk)
    if (!this.res.write(chunk) && !this.waitingDrain) {
      this.waitingDrain = true
      controller.pause()
      this.res.once('drain', onClientDrain)
    }
  }

  onResponseEnd(): void {
    if (!this.finish()) return
    this.res.end()
    this.resolve('done')
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (!this.finish()) return
    const res = this.res
    if (!this.headWritten) return this.reject(err)
    if (res.destroyed) return this.resolve('client_aborted')
    if (this.streaming) {
      const e = new CorralError('CORRAL_ERR_STREAM_BROKEN', { cause: err })
      res.end(errorFrame(this.cb.dialect, e))
    } else {
      // A fixed-length body cut short cannot be repaired: let the client see the cut.
      if (!res.headersSent) res.flushHeaders()
      res.destroy()
    }
    this.resolve('backend_error')
  }

  /** Mark the exchange over and drop its listeners; false if it already was. */
  private finish(): boolean {
    if (this.settled) return false
    this.settled = true
    const res = this.res as TaggedResponse
    res.off('close', onClientClose)
    if (this.waitingDrain) res.off('drain', onClientDrain)
    if (res[kExchange] === this) res[kExchange] = undefined
    return true
  }
}
