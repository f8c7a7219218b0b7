// What a cluster worker does with the routes it does not serve itself. The primary's gateway
// answers /metrics, /connect and the Go gateway's admin routes; a worker checks the address
// and the key first, on the route its own router matched, and hands on only what passes,
// with at most FORWARD_BODY_MAX_BYTES of body. Any other path is answered here (404). Before,
// a worker read up to the body limit (64 MiB) of any such request, keyless or unknown, into
// memory and sent it on, base64, for the primary to refuse.
import { methodNotAllowedMessage, routeMiss } from '../proxy/route-miss.js'
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { authenticate } from '../auth/hook.js'
import { ADMIN_ROUTES } from '../control/go-compat.js'
import { CorralError, dialectOf, errorBody, type ErrorCode } from '../errors.js'
import { startRequest, type RequestState } from '../proxy/context.js'
import { pathOf } from '../proxy/exchange.js'
import { recordReply } from '../proxy/record.js'
import { isLoopback } from '../util/net.js'
import type { GatewayHost } from '../proxy/host.js'
import type { Call, ToWorker } from './messages.js'

/** A worker as this file needs it: the gateway host, and its questions to the primary. */
type WorkerHost = GatewayHost & { call(message: Call): Promise<ToWorker> }

/** The most body a forwarded request carries to the primary (the admin routes need none). */
export const FORWARD_BODY_MAX_BYTES = 64 * 1024

/** Who may reach a forwarded route: the checks the primary makes, made here first. */
type Access = 'admin' | 'metrics' | 'public'

export interface ForwardedRoute {
  methods: HTTPMethods[]
  url: string
  access: Access
}

/**
 * The primary's own gateway routes (app.ts: registerAdminRoutes, registerMetricsRoute,
 * registerConnectPage). A custom metrics path is rewritten to /metrics before routing.
 */
export const FORWARDED_ROUTES: readonly ForwardedRoute[] = [
  ...ADMIN_ROUTES.map((r) => ({ methods: r.methods, url: r.path, access: 'admin' as const })),
  { methods: ['GET'], url: '/metrics', access: 'metrics' },
  { methods: ['GET', 'HEAD'], url: '/connect', access: 'public' },
  { methods: ['GET', 'HEAD'], url: '/connect/cert.pem', access: 'public' },
  { methods: ['GET', 'HEAD'], url: '/connect/cert.crt', access: 'public' },
]

/** Request headers a forwarded request does not take along (hop-by-hop, or Node's to set). */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'expect', 'upgrade'])

/** The worker's routes for what the primary answers, and its own 404. */
export function registerForwarded(app: FastifyInstance, host: WorkerHost): void {
  for (const route of FORWARDED_ROUTES) {
    app.route({
      method: route.methods,
      url: route.url,
      // serveForwarded makes the primary's checks (address, then the route's key) itself.
      config: { keyCheckedByHandler: true },
      handler: (request, reply) => serveForwarded(host, route, request, reply),
    })
  }
}

/** A path no route matched: answered by the worker, after the address check the primary makes. */
export function notFound(host: WorkerHost, request: FastifyRequest, reply: FastifyReply) {
  const state = startRequest(host.now(), host.snapshot, request.raw, request.url, null)
  host.stats.requestStarted()
  if (!state.snapshot.access.isAllowed(state.clientIp)) {
    return refuse(host, request, reply, state, 'other', 'CORRAL_ERR_IP')
  }
  // A known path with another method, or one slash too many: as Ollama's router (route-miss.ts).
  const miss = routeMiss(request.method, request.url, host.snapshot.config.server.basePath)
  if (miss?.kind === 'redirect') {
    return reply.code(miss.status).header('location', miss.location).send()
  }
  const path = pathOf(request.url).slice(0, 200)
  if (miss?.kind === 'method') {
    reply.header('allow', miss.allow)
    const message = methodNotAllowedMessage(request.method, path, miss)
    return refuse(host, request, reply, state, 'other', 'CORRAL_ERR_METHOD', message)
  }
  const message = `${request.method} ${path} is not served`
  return refuse(host, request, reply, state, 'other', 'CORRAL_ERR_NOT_FOUND', message)
}

async function serveForwarded(
  host: WorkerHost,
  route: ForwardedRoute,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const raw = request.raw
  const state = startRequest(host.now(), host.snapshot, raw, request.url, null)
  const denied = check(host, route, raw, state)
  if (denied !== null) {
    host.stats.requestStarted()
    return refuse(host, request, reply, state, route.url, denied.code, denied.message, denied.extra)
  }
  let body: Buffer | null = null
  if (raw.method !== 'GET' && raw.method !== 'HEAD') {
    const read = await readBounded(raw)
    if (read === 'gone') {
      reply.hijack()
      raw.socket.destroy()
      return reply
    }
    if (read === 'too-large') {
      host.stats.requestStarted()
      const message = `${route.url} takes a request body of at most ${FORWARD_BODY_MAX_BYTES / 1024} KiB; send it without one`
      return refuse(host, request, reply, state, route.url, 'CORRAL_ERR_TOO_LARGE', message)
    }
    body = read
  } else if (declaresBody(raw)) {
    // A body nobody reads: the connection closes after the answer rather than draining it.
    reply.header('connection', 'close')
  }
  return forward(host, request, reply, body)
}

/** The primary's checks, in its order: address, then the key the route needs. */
function check(
  host: WorkerHost,
  route: ForwardedRoute,
  raw: IncomingMessage,
  state: RequestState,
): CorralError | null {
  if (!state.snapshot.access.isAllowed(state.clientIp)) return new CorralError('CORRAL_ERR_IP')
  if (route.access === 'admin') return authenticate(raw, state, 'admin', host.now(), raw.url)
  // From this machine /metrics needs no key (control/metrics-route.ts); the primary decides.
  if (route.access === 'metrics' && !isLoopback(state.clientIp))
    return authenticate(raw, state, 'metrics', host.now(), raw.url)
  return null
}

/** The body, if it stays within the bound; never more than the bound is read. */
function readBounded(raw: IncomingMessage): Promise<Buffer | 'too-large' | 'gone'> {
  const declared = Number(raw.headers['content-length'] ?? 0)
  if (declared > FORWARD_BODY_MAX_BYTES) return Promise.resolve('too-large')
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    let size = 0
    const done = (result: Buffer | 'too-large' | 'gone') => {
      raw.off('data', onData)
      raw.off('end', onEnd)
      raw.off('close', onClose)
      raw.off('error', onClose)
      if (result === 'too-large') raw.pause()
      resolve(result)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > FORWARD_BODY_MAX_BYTES) return done('too-large')
      parts.push(chunk)
    }
    const onEnd = () => done(Buffer.concat(parts, size))
    const onClose = () => done('gone')
    raw.on('data', onData)
    raw.once('end', onEnd)
    raw.once('close', onClose)
    raw.once('error', onClose)
  })
}

/** Content-Length above 0, or a chunked body. */
function declaresBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length']
  if (length !== undefined) return Number(length) > 0
  return raw.headers['transfer-encoding'] !== undefined
}

/**
 * A refusal in the client's dialect, recorded as the primary would. When the request has a
 * body still unread, the connection closes after the answer: the body is never read.
 */
function refuse(
  host: WorkerHost,
  request: FastifyRequest,
  reply: FastifyReply,
  state: RequestState,
  endpoint: string,
  code: ErrorCode,
  message?: string,
  extra?: Record<string, string>,
) {
  const err = new CorralError(code, { message })
  if (!request.raw.complete && declaresBody(request.raw)) reply.header('connection', 'close')
  const status = err.status
  recordReply(host, { state, method: request.method, url: request.url, endpoint }, status)
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(dialectOf(request.url), code, err.message, extra)))
}

/**
 * A request that passed the checks, handed to the primary's gateway with the client's
 * address: it checks, answers and records it as if it had come there.
 */
async function forward(
  host: WorkerHost,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Buffer | null,
) {
  const raw = request.raw
  const headers: Record<string, string | string[] | undefined> = {}
  for (const [name, value] of Object.entries(raw.headers)) {
    if (!HOP_HEADERS.has(name)) headers[name] = value
  }
  const answer = (await host.call({
    t: 'forward',
    method: raw.method ?? 'GET',
    url: request.originalUrl,
    headers,
    body: body === null ? null : body.toString('base64'),
    remoteAddress: raw.socket.remoteAddress ?? '',
  })) as Extract<ToWorker, { t: 'answer' }>
  const out: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(answer.headers)) {
    if (!HOP_HEADERS.has(name) && name !== 'content-length' && name !== 'date') out[name] = value
  }
  return reply.code(answer.status).headers(out).send(Buffer.from(answer.body, 'base64'))
}
