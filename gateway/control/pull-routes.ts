// Pulling models on backends from the UI: start a pull, follow its progress.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import { PullError } from '../backends/pull.js'
import { ControlError, CONTROL_PREFIX } from './common.js'

const PullBody = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 255 }),
  backend: Type.Optional(Type.String({ minLength: 1 })),
})

export function registerPullRoutes(app: FastifyInstance, corral: Corral): void {
  app.post<{ Body: Static<typeof PullBody> }>(
    `${CONTROL_PREFIX}/pull`,
    { schema: { summary: 'Pull a model on a backend', tags: ['backends'], body: PullBody } },
    async (req, reply) => {
      try {
        return await reply.code(202).send(corral.pulls.start(req.body.model, req.body.backend))
      } catch (err) {
        if (err instanceof PullError) throw new ControlError(400, err.message)
        throw err
      }
    },
  )
  app.get(
    `${CONTROL_PREFIX}/pulls`,
    { schema: { summary: 'Pulls in progress and recently finished', tags: ['backends'] } },
    async () => corral.pulls.list(),
  )
}
