// Per-key requests-per-window on the gateway app, answered in the client's dialect.
import type { FastifyInstance } from 'fastify'
import type { Corral } from '../core.js'
import { errorBody } from '../errors.js'
import { rateLimitMessage, registerRateLimit } from './rate-limit.js'

export async function registerKeyRateLimit(app: FastifyInstance, corral: Corral): Promise<void> {
  await registerRateLimit(
    app,
    (req) => {
      const state = req.corral
      if (!state?.key || !state.route) return null
      const limits = state.snapshot.limitsFor(state.key)
      return {
        keyId: state.key.record.id,
        requests: limits.requests,
        windowSeconds: limits.windowSeconds,
      }
    },
    (req, reply, _retry, info) => {
      req.corral.outcome = 'limited'
      reply.type('application/json; charset=utf-8')
      return JSON.stringify(
        errorBody(req.corral.dialect, 'CORRAL_ERR_RATE', rateLimitMessage(info)),
      )
    },
    { now: corral.now },
  )
}
