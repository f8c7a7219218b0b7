// What the gateway learns about a request on its way through: set by the
// hooks (access, auth), read by the handler and by the stats record.
import type { IncomingMessage } from 'node:http'
import type { CompiledKey } from '../auth/keys.js'
import { dialectOf, type Dialect } from '../errors.js'
import type { Snapshot } from '../runtime.js'
import type { RouteDef } from './routes.js'

export type Outcome = 'done' | 'client_aborted' | 'backend_error' | 'limited' | 'refused'

export interface RequestState {
  startedAt: number
  snapshot: Snapshot
  dialect: Dialect
  clientIp: string
  route: RouteDef | null
  key: CompiledKey | null
  /** The fingerprint of the device key that signed the request (gateway/device-keys/); else null. */
  device: string | null
  model: string | null
  backend: string | null
  ttfbMs: number | null
  queuedMs: number
  queued: boolean
  promptTokens: number | null
  completionTokens: number | null
  outcome: Outcome
  /** Set once the record went to stats, so it is written exactly once. */
  recorded: boolean
  /** The proxy took over the response (it records the request itself). */
  hijacked: boolean
}

/**
 * The state of a request that just arrived (the pipeline's, or a Fastify route's), with
 * the client's address as the snapshot's access rules read it.
 */
export function startRequest(
  now: number,
  snapshot: Snapshot,
  req: IncomingMessage,
  url: string,
  route: RouteDef | null,
): RequestState {
  return {
    startedAt: now,
    snapshot,
    dialect: dialectOf(url),
    clientIp: snapshot.access.clientIp(
      req.socket.remoteAddress ?? '',
      req.headers['x-forwarded-for'],
    ),
    route,
    key: null,
    device: null,
    model: null,
    backend: null,
    ttfbMs: null,
    queuedMs: 0,
    queued: false,
    promptTokens: null,
    completionTokens: null,
    outcome: 'refused',
    recorded: false,
    hijacked: false,
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    corral: RequestState
  }
  interface FastifyContextConfig {
    route?: RouteDef
    /** A proxied route: Fastify only routes it, the pipeline (pipeline.ts) serves it. */
    proxy?: RouteDef
    /** No key needed (the connect page). */
    public?: boolean
  }
}
