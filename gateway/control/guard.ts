// The control listener's guard, one hook that runs after Fastify's router has matched the
// request and decides on that match, never on the raw URL string:
//   1. the request target is one a browser or a normal client sends (else 400);
//   2. Host names this listener (DNS-rebinding guard, else 403);
//   3. no other web page asked for it: Origin and Sec-Fetch-Site (else 403);
//   4. a gateway request sent here by mistake is told which port to use (404);
//   5. the matched route is on the short public list (the UI's static files) or the
//      control token is in the Authorization header (else 401);
//   6. a state-changing method says `Content-Type: application/json` (else 415), which no
//      form and no `no-cors` fetch can send.
import crypto from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { oddRequestTarget } from '../route-guard/request-target.js'
import { crossSiteReason, saysJson } from '../route-guard/cross-site.js'
import { wrongPortBody } from '../route-guard/gateway-paths.js'
import type { Config } from '../config/schema.js'
import { CONTROL_PREFIX } from './common.js'

/**
 * The routes anyone on this machine may fetch without the token: the UI's static files
 * (@fastify/static's wildcard, or the "UI not built" page at `/`). They hold no secret:
 * the page gets the token from the URL fragment or the desktop app's preload.
 */
const PUBLIC_ROUTES: ReadonlySet<string> = new Set(['GET /', 'HEAD /', 'GET /*', 'HEAD /*'])

/** Methods that never change anything here (every GET route only reads). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export interface GuardOptions {
  token: string
  /** The port the control listener listens on (known after listen when 0). */
  port: () => number
  /** For the message a gateway request sent here gets. */
  gateway: () => { urls: string[]; config: Config }
}

export function registerControlGuard(app: FastifyInstance, opts: GuardOptions): void {
  const token = Buffer.from(opts.token)
  app.addHook('onRequest', async (request, reply) => {
    const refusal = refuse(request, opts, token)
    if (refusal !== null) return reply.code(refusal.status).send(refusal.body)
  })
}

/** Hosts the control listener answers to. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`
}

type Refusal = { status: number; body: unknown }

function refuse(request: FastifyRequest, opts: GuardOptions, token: Buffer): Refusal | null {
  const raw = request.raw.url ?? ''
  const odd = oddRequestTarget(raw)
  if (odd !== null) return { status: 400, body: { error: odd } }
  const port = opts.port()
  if (!hostAllowed(request.headers.host, port)) {
    return {
      status: 403,
      body: { error: 'this control listener only answers to 127.0.0.1 and localhost' },
    }
  }
  const origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]
  const foreign = crossSiteReason(request.headers, origins)
  if (foreign !== null) return { status: 403, body: { error: foreign } }

  const matched = request.routeOptions.url
  const isControlRoute = matched !== undefined && matched.startsWith(CONTROL_PREFIX + '/')
  if (!isControlRoute) {
    const misdirected = wrongPortBody(raw, opts.gateway())
    if (misdirected !== null) return { status: 404, body: misdirected }
  }
  const path = raw.split('?')[0]!
  const isPublic =
    matched !== undefined &&
    PUBLIC_ROUTES.has(`${request.method} ${matched}`) &&
    path !== CONTROL_PREFIX &&
    !path.startsWith(CONTROL_PREFIX + '/')
  if (isPublic) return null
  if (!tokenMatches(request, token)) {
    return { status: 401, body: { error: 'missing or wrong control token' } }
  }
  if (!SAFE_METHODS.has(request.method) && !saysJson(request.headers)) {
    return {
      status: 415,
      body: {
        error: `${request.method} needs "Content-Type: application/json" (with an empty body when there is nothing to send)`,
      },
    }
  }
  return null
}

function tokenMatches(request: FastifyRequest, token: Buffer): boolean {
  const auth = request.headers.authorization
  if (typeof auth !== 'string' || !auth.startsWith('Bearer ')) return false
  const presented = Buffer.from(auth.slice(7).trim())
  return presented.length === token.length && crypto.timingSafeEqual(presented, token)
}
