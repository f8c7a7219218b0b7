// buildGateway: the LAN-facing Fastify app. It answers the Ollama API, the
// OpenAI-compatible API, /metrics, /connect and nothing else. It does not listen. Here: its
// node:http servers, the fixed routes to the pipeline, and the app put together; what
// Fastify does for the routes it serves itself (checks, misses, errors) is app-fastify.ts.
import { applyCors, corsPolicy } from './cors/index.js'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Corral } from './core.js'
import { ROUTES } from './proxy/routes.js'
import { createPipeline, type Pipeline } from './proxy/pipeline.js'
import type { GatewayHost } from './proxy/host.js'
import { registerKeyRateLimit, type KeyRateCheck } from './limits/fastify.js'
import type { RateCheck } from './limits/rate-limit.js'
import { addCheckHooks, mayContinue, rewrite, sendError, setAnswers } from './app-fastify.js'
import { registerAdminRoutes } from './control/go-compat.js'
import { registerConnectPage } from './control/connect-page.js'
import { registerDevicePage } from './device-keys/page.js'
import { registerMetricsRoute } from './control/metrics-route.js'
import { createBodyWatch } from './proxy/slow-bodies.js'
import { stripBasePath } from './util/base-path.js'
import { requireDeclaredAccess } from './route-guard/gateway-routes.js'
import { answerPlainHttp } from './tls/plain-on-tls.js'
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

  setAnswers(app, corral, worker?.notFound)
  return app
}
