// The LAN app's Fastify side (app.ts builds the app): the address, key and stats hooks of
// the routes Fastify serves itself, the same address and key check for a client waiting on
// `100 Continue`, its answers for a missed route and an error, in the client's dialect, and
// the path rewrite before its router. The proxied routes pass none of the hooks: the
// pipeline (proxy/pipeline.ts) checks, records and answers them itself.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingMessage } from 'node:http'
import type { Config } from './config/schema.js'
import { CorralError, dialectOf, errorBody, type ErrorCode } from './errors.js'
import { authenticate } from './auth/hook.js'
import { keyFromHeaders } from './auth/headers.js'
import { isSignedHeader } from './device-keys/signature.js'
import type { GatewayHost } from './proxy/host.js'
import { pathOf } from './proxy/exchange.js'
import { finishRecord, recordReply, type RecordedRequest } from './proxy/record.js'
import { startRequest } from './proxy/context.js'
import { stripBasePath } from './util/base-path.js'
import { entersWithoutScope } from './route-guard/gateway-routes.js'
import { notServedMessage } from './proxy/not-served.js'
import { methodNotAllowedMessage, routeMiss } from './proxy/route-miss.js'

/**
 * The answers for a path no route matched (a worker's own `notFound`, or a 404, 405 or
 * redirect as Ollama's router gives) and for an error a route threw.
 */
export function setAnswers(
  app: FastifyInstance,
  corral: GatewayHost,
  notFound: ((request: FastifyRequest, reply: FastifyReply) => void) | undefined,
): void {
  app.setNotFoundHandler(
    notFound ??
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
}

/** Address, key and stats for the routes Fastify serves itself (not the proxied ones). */
export function addCheckHooks(app: FastifyInstance, corral: GatewayHost): void {
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
export function mayContinue(corral: GatewayHost, req: IncomingMessage): boolean {
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
export function rewrite(url: string, config: Config): string {
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
