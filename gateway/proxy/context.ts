// What the gateway learns about a request on its way through: set by the
// hooks (access, auth), read by the handler and by the stats record.
import type { CompiledKey } from '../auth/keys.js'
import type { Dialect } from '../errors.js'
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

declare module 'fastify' {
  interface FastifyRequest {
    corral: RequestState
  }
  interface FastifyContextConfig {
    route?: RouteDef
    /** No key needed (the connect page). */
    public?: boolean
  }
}
