// buildGateway: the LAN-facing Fastify app. It answers the Ollama API, the
// OpenAI-compatible API, /metrics, /connect and nothing else. It does not listen.
import { applyCors, corsPolicy } from './cors/index.js'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Corral } from './core.js'
import type { Config } from './config/schema.js'
import { CorralError, dialectOf, errorBody, type ErrorCode } from './errors.js'
import { ROUTES } from './proxy/routes.js'
import { authenticate } from './auth/hook.js'
import { keyFromHeaders } from './auth/headers.js'
import { isSignedHeader } from './device-keys/signature.js'
import { createPipeline, type Pipeline } from './proxy/pipeline.js'
import type { GatewayHost } from './proxy/host.js'
import { registerKeyRateLimit, type KeyRateCheck } from './limits/fastify.js'
import type { RateCheck } from './limits/rate-limit.js'
import { pathOf } from './proxy/exchange.js'
import type { RecordedRequest } from './proxy/record.js'
import { registerAdminRoutes } from './control/go-compat.js'
import { registerConnectPage } from './control/connect-page.js'
import { registerDevicePage } from './device-keys/page.js'
import { registerMetricsRoute } from './control/metrics-route.js'
import { finishRecord, recordReply } from './proxy/record.js'
import { startRequest } from './proxy/context.js'
import { createBodyWatch } from './proxy/slow-bodies.js'
import { stripBasePath } from './util/base-path.js'
import { entersWithoutScope, requireDeclaredAccess } from './route-guard/gateway-routes.js'
import { answerPlainHttp } from './tls/plain-on-tls.js'
import { notServedMessage } from './proxy/not-served.js'
import { methodNotAllowedMessage, routeMiss } from './proxy/route-miss.js'
import { plainServerOf, setPlainServer, type TlsPair } from './tls/plain-server.js'

export { plainServerOf, type TlsPair }

/** Fastify's own ceiling; the configured limit (hot-reloadable) is enforced per request. */
const HARD_BODY_LIMIT_BYTES = 1024 * 1024 * 1024

/**
 * How often Node looks for connections past the header or request timeout. Its
 * default (30 s) let a slowloris client hold a connection for 30 s past a 1 s
 * timeout; a quarter of the shorter timeout, within [250 ms, 1 s], keeps the cut
 * close to the configured time for the cost of one pass over the open sockets.
 */
export function connectionCheckIntervalMs(
  headersTimeoutMs: number,
  requestTimeoutMs: number,
): number {
  return Math.min(1000, Math.max(250, Math.floor(Math.min(headersTimeoutMs, requestTimeoutMs) / 4)))
}

export interface GatewayOptions {
  /** Where the built UI lives (for the connect page); null when not built. */
  uiDir?: string | null
  /** Serve HTTPS with this certificate and key; null or absent: plain HTTP. */
  tls?: TlsPair | null
  /** With `tls`: also make a plain HTTP server (plainServerOf) for a port of its own. */
  plainHttp?: boolean
  /** The certificate offered at /connect/cert (public; no key). */
  certificate?: () => string | null
}

/**
 * A cluster worker's gateway (workers/worker.ts): it serves every proxied route itself (the
 * pool-wide model lists with lists the primary collects), answers unknown paths, and hands
 * /metrics, /connect and the Go gateway's admin routes, once its checks pass, to the
 * primary, whose own gateway answers them as if they had come there (workers/forwarded.ts).
 */
export interface WorkerMode {
  /** Requests per window are counted by the primary, for every worker alike. */
  rateCheck: KeyRateCheck
  /** Registers the routes the worker hands to the primary. */
  registerForwarded(app: FastifyInstance): void
  /** Answers a path no route matched. */
  notFound(request: FastifyRequest, reply: FastifyReply): void
}

const policyChecks = new WeakMap<FastifyInstance, RateCheck>()

/** A gateway's request-rate check by policy (the primary counts its workers' requests). */
export function rateCheckOf(app: FastifyInstance): RateCheck | null {
  return policyChecks.get(app) ?? null
}

/** The gateway of the process that owns the shared state (the only one, or the primary). */
export function buildGateway(corral: Corral, opts: GatewayOptions = {}): Promise<FastifyInstance> {
  return gatewayApp(corral, opts, null, corral)
}

/** A cluster worker's gateway: see WorkerMode. */
export function buildWorkerGateway(
  host: GatewayHost,
  worker: WorkerMode,
  opts: GatewayOptions = {},
): Promise<FastifyInstance> {
  return gatewayApp(host, opts, worker, null)
}

async function gatewayApp(
  corral: GatewayHost,
  opts: GatewayOptions,
  worker: WorkerMode | null,
  owner: Corral | null,
): Promise<FastifyInstance> {
  const server = corral.config.server
  // Every proxied request goes through one pipeline (proxy/pipeline.ts); the fixed routes
  // skip Fastify altogether. Set once the rate-limit hook exists.
  let pipeline: Pipeline | null = null
  let closing = false
  const bodies = createBodyWatch(
    () => corral.snapshot.config.server,
    connectionCheckIntervalMs(
      server.headersTimeoutMs,
      Math.min(server.requestTimeoutMs, server.bodyIdleTimeoutMs),
    ),
  )
  const app = Fastify({
    logger: false,
    bodyLimit: HARD_BODY_LIMIT_BYTES,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    serverFactory: (fastifyHandler) => {
      const make = (tls: TlsPair | null) => {
        const options = {
          connectionsCheckingInterval: connectionCheckIntervalMs(
            server.headersTimeoutMs,
            server.requestTimeoutMs,
          ),
        }
        // https.Server is node:http's server over TLS: same events, same timeouts. Fastify
        // types its raw server as http.Server; the 'request' hook below is the same for both.
        const http = tls
          ? (createHttpsServer({ ...options, ...tls }, onRequest) as unknown as Server)
          : createServer(options, onRequest)
        if (tls) answerPlainHttp(http, server.headersTimeoutMs)
        // `Expect: 100-continue`: Node would invite the body before any check. Only a client
        // with an address and a key that pass is invited; anyone else gets the refusal instead
        // and the connection closes (the body it may still send must not be read as a request).
        http.on('checkContinue', (req, res) => {
          if (mayContinue(corral, req)) res.writeContinue()
          else res.shouldKeepAlive = false
          onRequest(req, res)
        })
        http.keepAliveTimeout = server.keepAliveTimeoutMs
        // No whole-request deadline: bodies are timed by their progress (slow-bodies.ts).
        http.requestTimeout = 0
        http.headersTimeout = server.headersTimeoutMs
        return http
      }
      const main = make(opts.tls ?? null)
      // Plain HTTP next to HTTPS, on a port of its own: the same app behind both.
      if (opts.tls && opts.plainHttp) setPlainServer(main, make(null))
      return main

      function onRequest(req: IncomingMessage, res: ServerResponse): void {
        bodies.watch(req, res)
        const config = corral.snapshot.config
        const cors = corsPolicy(config.server.allowedOrigins, config.auth.headerName)
        if (applyCors(req, res, cors)) return
        if (pipeline === null || !pipeline.take(req, res)) fastifyHandler(req, res)
      }
    },
    // A path means exactly what it says: no trailing-slash or case folding, so
    // the scope check and the forwarded path can never disagree.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true, maxParamLength: 300 },
    rewriteUrl: (req) => rewrite(req.url ?? '/', corral.snapshot.config),
    // A malformed percent-encoding (`/api/%`) or an overlong parameter is the
    // client's mistake: a 400 in its dialect, not Fastify's own error body.
    frameworkErrors: (_err, _request, reply) => {
      sendError(reply, 'CORRAL_ERR_BAD_REQUEST', 'malformed request path')
    },
  })
  app.server.headersTimeout = server.headersTimeoutMs

  // Bodies are read by the handler (with the configured limit, or streamed for
  // blobs), never parsed by Fastify: the proxy decides what to look at.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload))

  app.decorateRequest('corral', null as never)
  app.addHook('onRoute', requireDeclaredAccess)
  // A worker checks and records only what it serves: the rest is the primary's to check.
  if (worker === null) addCheckHooks(app, corral)
  app.addHook('onClose', (_app, done) => {
    bodies.close()
    done()
  })
  app.addHook('preClose', (done) => {
    closing = true
    done()
  })

  let rateCheck = worker?.rateCheck
  if (rateCheck === undefined) {
    const checks = await registerKeyRateLimit(app, corral)
    policyChecks.set(app, checks.byPolicy)
    rateCheck = checks
  }
  const pipe = createPipeline(corral, {
    rateCheck,
    isClosing: () => closing,
    stripBasePath,
  })
  pipeline = pipe
  // What needs Fastify's router (path parameters, percent-encoding, absolute-form targets)
  // is matched here and handed, as it is, to the same pipeline as the fixed routes.
  for (const proxy of ROUTES) {
    app.route({
      method: proxy.methods,
      url: proxy.path,
      config: { proxy },
      handler: (request, reply) => {
        reply.hijack()
        const params = (request.params ?? {}) as Record<string, string>
        pipe.serve(request.raw, reply.raw, proxy, request.url, params)
      },
    })
  }
  if (owner !== null) {
    registerAdminRoutes(app, owner)
    registerMetricsRoute(app, owner)
    registerConnectPage(app, opts.uiDir ?? null, opts.certificate)
    registerDevicePage(app, { config: () => owner.config, pending: owner.pendingDevices })
  }
  worker?.registerForwarded(app)

  app.setNotFoundHandler(
    worker?.notFound ??
      ((request, reply) => {
        const miss = routeMiss(request.method, request.url, corral.snapshot.config.server.basePath)
        if (miss?.kind === 'redirect') {
          return reply.code(miss.status).header('location', miss.location).send()
        }
        if (miss?.kind === 'method') {
          const message = methodNotAllowedMessage(request.method, pathOnly(request.url), miss)
          return sendError(reply, 'CORRAL_ERR_METHOD', message, { allow: miss.allow })
        }
        sendError(
          reply,
          'CORRAL_ERR_NOT_FOUND',
          notServedMessage(request.method, pathOnly(request.url)),
        )
      }),
  )
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (err instanceof CorralError)
      return sendError(reply, err.code, err.message, err.headers, err.extra)
    const status = err.statusCode ?? 500
    if (status === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 'CORRAL_ERR_TOO_LARGE')
    }
    if (status >= 400 && status < 500)
      return sendError(reply, 'CORRAL_ERR_BAD_REQUEST', err.message)
    if (
      request.raw.socket.destroyed &&
      (err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE')
    ) {
      // The client left (or a timeout cut it) while its body was being read: not
      // the gateway's fault, nobody to answer, and no error line per hostile client.
      return sendError(reply, 'CORRAL_ERR_BAD_REQUEST', 'the request was aborted')
    }
    corral.logger.error(`Unhandled error on ${request.method} ${pathOnly(request.url)}`, { err })
    return sendError(reply, 'CORRAL_ERR_INTERNAL')
  })
  return app
}

/** Address, key and stats for the routes Fastify serves itself (not the proxied ones). */
function addCheckHooks(app: FastifyInstance, corral: GatewayHost): void {
  app.addHook('onRequest', (request, reply, done) => {
    // A proxied route Fastify only routed: the pipeline checks and records it.
    if (request.routeOptions.config.proxy !== undefined) return done()
    const snapshot = corral.snapshot
    const route = request.routeOptions.config.route ?? null
    request.corral = startRequest(corral.now(), snapshot, request.raw, request.url, route)
    corral.stats.requestStarted()
    // Address first: a refused peer learns nothing about keys.
    if (!snapshot.access.isAllowed(request.corral.clientIp)) {
      return sendError(reply, 'CORRAL_ERR_IP')
    }
    if (!route) return entersWithoutScope(request) ? done() : sendError(reply, 'CORRAL_ERR_NO_KEY')
    const denied = authenticate(request.raw, request.corral, route.scope, corral.now(), request.url)
    if (denied) return sendError(reply, denied.code, denied.message, denied.headers, denied.extra)
    done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    if (request.corral) recordReply(corral, recorded(request), reply.statusCode)
    done()
  })
  app.addHook('onRequestAbort', (request, done) => {
    const state = request.corral
    if (state && !state.hijacked) {
      state.outcome = 'client_aborted'
      finishRecord(corral, recorded(request), 499)
    }
    done()
  })
}

/** Whether a client that waits for `100 Continue` has an address and a key that pass. */
function mayContinue(corral: GatewayHost, req: IncomingMessage): boolean {
  const snapshot = corral.snapshot
  const ip = snapshot.access.clientIp(
    req.socket.remoteAddress ?? '',
    req.headers['x-forwarded-for'],
  )
  if (!snapshot.access.isAllowed(ip)) return false
  // A device signature is checked with the request's path and time, before its body is read.
  if (isSignedHeader(req.headers.authorization)) return true
  const presented = keyFromHeaders(req.headers, snapshot.config.auth.headerName)
  return presented.ok && snapshot.keys.check(presented.key, corral.now()).ok
}

/** A request as the stats record it (Fastify's side). */
function recorded(request: FastifyRequest): RecordedRequest {
  return {
    state: request.corral,
    method: request.method,
    url: request.url,
    endpoint: request.corral.route?.path ?? request.routeOptions.url ?? 'other',
  }
}

/** Answer with an error in the client's dialect (Ollama or OpenAI). */
export function sendError(
  reply: FastifyReply,
  code: ErrorCode,
  message?: string,
  headers: Record<string, string> = {},
  extra?: Record<string, string>,
): FastifyReply {
  const req: FastifyRequest = reply.request
  const dialect = req.corral?.dialect ?? dialectOf(req.url)
  const err = new CorralError(code, { message })
  return reply
    .code(err.status)
    .headers(headers)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify(errorBody(dialect, code, err.message, extra)))
}

/** Apply the base path and a custom metrics path before routing. */
function rewrite(url: string, config: Config): string {
  const u = stripBasePath(originForm(url), config.server.basePath)
  const metricsPath = config.metrics.path
  if (metricsPath !== '/metrics' && pathOnly(u) === metricsPath) {
    return '/metrics' + u.slice(metricsPath.length)
  }
  return u
}

/**
 * `GET http://host/path` (absolute form, RFC 9112 §3.2.2) means `/path`. The
 * router already strips the origin; doing it here too makes the base path, the
 * error dialect and the stats read the same path the router matched.
 */
export function originForm(url: string): string {
  if (url.startsWith('/')) return url
  const origin = /^https?:\/\/[^/?#]*/i.exec(url)
  if (!origin) return url
  const rest = url.slice(origin[0].length)
  return rest.startsWith('/') ? rest : '/' + rest
}

function pathOnly(url: string): string {
  return pathOf(url).slice(0, 200)
}
