// Per-key requests-per-window on the gateway app, answered in the client's dialect.
import type { FastifyInstance } from 'fastify'
import { errorBody, type Dialect } from '../errors.js'
import type { CompiledKey } from '../auth/keys.js'
import type { Limits } from '../config/schema.js'
import {
  type RateCheck,
  rateLimitMessage,
  registerRateLimit,
  type RateDecision,
  type RateLimitInfo,
  type RateLimitPolicy,
} from './rate-limit.js'

/**
 * What the limit check reads of a request's state: the proxy's RequestState (proxy/context.ts)
 * is one. Said here, below the proxy, so that limits/ never imports the proxy above it.
 */
export interface LimitedState {
  readonly key: CompiledKey | null
  readonly route: { readonly kind: string } | null
  readonly dialect: Dialect
  readonly snapshot: { limitsFor(key: CompiledKey): Limits }
}

/** Counts a request that passed the key check against its key's window. */
export type KeyRateCheck = (state: LimitedState) => Promise<RateDecision | null>

/**
 * The model lists (`/api/tags`, `/api/ps`, `/v1/models`): clients poll them (Open WebUI, LM
 * Studio and the `ollama` CLI ask before each chat), they run no model and are answered from
 * the backends' lists, so they never use up a key's request budget. They still need the key.
 */
const UNMETERED_KINDS: ReadonlySet<string> = new Set(['merge-tags', 'merge-ps', 'merge-models'])

/** The key's request limit for this request; null when it has no key or route, or is a model list. */
export function policyFor(state: LimitedState | null | undefined): RateLimitPolicy | null {
  if (!state?.key || !state.route || UNMETERED_KINDS.has(state.route.kind)) return null
  const limits = state.snapshot.limitsFor(state.key)
  return {
    keyId: state.key.record.id,
    requests: limits.requests,
    windowSeconds: limits.windowSeconds,
  }
}

/** The 429 body in the request's dialect. */
export function rateLimitedBody(state: LimitedState, info: RateLimitInfo): string {
  return JSON.stringify(errorBody(state.dialect, 'CORRAL_ERR_RATE', rateLimitMessage(info)))
}

/** The check by request, and by policy (a cluster worker sends the policy: workers/fleet.ts). */
export type KeyRateChecks = KeyRateCheck & { byPolicy: RateCheck }

export async function registerKeyRateLimit(
  app: FastifyInstance,
  corral: { now: () => number },
): Promise<KeyRateChecks> {
  const check = await registerRateLimit(
    app,
    (req) => policyFor(req.corral),
    (req, reply, _retry, info) => {
      req.corral.outcome = 'limited'
      reply.type('application/json; charset=utf-8')
      return rateLimitedBody(req.corral, info)
    },
    { now: corral.now },
  )
  const byState: KeyRateCheck = (state) => check(policyFor(state))
  return Object.assign(byState, { byPolicy: check })
}
