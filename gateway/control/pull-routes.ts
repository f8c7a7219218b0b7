// Pulling models on backends from the UI: start a pull, follow its progress.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import { CONTROL_PREFIX } from './common.js'

const PullBody = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 255 }),
  backend: Type.Optional(Type.String({ minLength: 1 })),
})

export function registerPullRoutes(app: FastifyInstance, corral: Corral): void {
  app.post<{ Body: Static<typeof PullBody> }>(
    `${CONTROL_PREFIX}/pull`,
    { schema: { summary: 'Pull a model on a backend', tags: ['backends'], body: PullBody } },
    async (req, reply) => {
      return reply.code(202).send(corral.pulls.start(req.body.model, req.body.backend))
    },
  )
  app.get(
    `${CONTROL_PREFIX}/pulls`,
    { schema: { summary: 'Pulls in progress and recently finished', tags: ['backends'] } },
    async () => corral.pulls.list(),
  )
}
