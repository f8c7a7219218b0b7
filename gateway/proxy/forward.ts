// Sending one request to one backend and relaying the answer, byte for byte,
// as it arrives. Built on undici directly (see README, "Why not reply-from"):
// the client's disconnect aborts the upstream request at every stage, and a
// failure before the first response byte can move on to another backend.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import { Agent, type Dispatcher } from 'undici'
import { CorralError, errorBody, type Dialect, type ErrorCode } from '../errors.js'

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
  signal: AbortSignal
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

export async function sendUpstream(
  agent: Dispatcher,
  target: UpstreamTarget,
  req: UpstreamRequest,
): Promise<Dispatcher.ResponseData> {
  const bodyLength = Buffer.isBuffer(req.body) ? req.body.length : null
  return agent.request({
    origin: target.origin,
    path: req.path,
    method: req.method as Dispatcher.HttpMethod,
    headers: upstreamHeaders(req, target, bodyLength),
    body: req.body ?? undefined,
    signal: req.signal,
    headersTimeout: req.headersTimeoutMs,
    bodyTimeout: req.idleTimeoutMs,
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
  /** Whether the response is a stream (NDJSON/SSE) where an error frame can be appended. */
  streaming: boolean
  /** Sees every body chunk as it passes (stats). Must be cheap. */
  onChunk?: (chunk: Buffer) => void
  onFirstByte?: () => void
  /** Added to the response headers (e.g. RateLimit-*). */
  extraHeaders?: Record<string, string>
}

/** Copy a backend's answer to the client as it arrives, honouring backpressure. */
export function relayResponse(
  res: ServerResponse,
  upstream: Dispatcher.ResponseData,
  opts: RelayOptions,
): Promise<RelayOutcome> {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    headers[name] = value
  }
  const length = upstream.headers['content-length']
  if (typeof length === 'string') headers['content-length'] = length
  if (opts.streaming) headers['x-accel-buffering'] = 'no'
  Object.assign(headers, opts.extraHeaders)
  res.writeHead(upstream.statusCode, headers)
  // A stream's headers go out at once: a client waiting on a slow first token sees it open.
  // Any other answer sends its headers with the first body bytes: one write, not two.
  if (opts.streaming) res.flushHeaders()

  const body = upstream.body
  return new Promise<RelayOutcome>((resolve) => {
    let settled = false
    let first = true
    const finish = (outcome: RelayOutcome) => {
      if (settled) return
      settled = true
      resolve(outcome)
    }
    const onClientGone = () => {
      if (res.writableFinished) return
      body.destroy()
      finish('client_aborted')
    }
    res.once('close', onClientGone)
    body.on('data', (chunk: Buffer) => {
      if (first) {
        first = false
        opts.onFirstByte?.()
      }
      opts.onChunk?.(chunk)
      if (!res.write(chunk)) {
        body.pause()
        res.once('drain', () => body.resume())
      }
    })
    body.once('end', () => {
      res.end()
      finish('done')
    })
    body.once('error', (err: Error) => {
      if (settled || res.destroyed) return finish('client_aborted')
      if (opts.streaming) {
        const e = new CorralError('CORRAL_ERR_STREAM_BROKEN', { cause: err })
        res.end(errorFrame(opts.dialect, e))
      } else {
        // A fixed-length body cut short cannot be repaired: let the client see the cut.
        if (!res.headersSent) res.flushHeaders()
        res.destroy()
      }
      finish('backend_error')
    })
  })
}

/** One stream frame carrying an error, as each client's stream parser expects it. */
export function errorFrame(dialect: Dialect, err: CorralError): string {
  const body = JSON.stringify(errorBody(dialect, err.code, err.message))
  return dialect === 'openai' ? `data: ${body}\n\n` : `${body}\n`
}
