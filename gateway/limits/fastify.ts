// Per-key requests-per-window on the gateway app, answered in the client's dialect.
import type { FastifyInstance } from 'fastify'
import type { Corral } from '../core.js'
import { errorBody } from '../errors.js'
import type { RequestState } from '../proxy/context.js'
import {
  rateLimitMessage,
  registerRateLimit,
  type RateDecision,
  type RateLimitInfo,
  type RateLimitPolicy,
} from './rate-limit.js'

/** Counts a request that passed the key check against its key's window. */
export type KeyRateCheck = (state: RequestState) => Promise<RateDecision | null>

function policyFor(state: RequestState | null | undefined): RateLimitPolicy | null {
  if (!state?.key || !state.route) return null
  const limits = state.snapshot.limitsFor(state.key)
  return {
    keyId: state.key.record.id,
    requests: limits.requests,
    windowSeconds: limits.windowSeconds,
  }
}

/** The 429 body in the request's dialect. */
export function rateLimitedBody(state: RequestState, info: RateLimitInfo): string {
  return JSON.stringify(errorBody(state.dialect, 'CORRAL_ERR_RATE', rateLimitMessage(info)))
}

export async function registerKeyRateLimit(
  app: FastifyInstance,
  corral: Corral,
): Promise<KeyRateCheck> {
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
  return (state) => check(policyFor(state))
}
