// Pulling models on backends from the UI: start a pull, follow its progress.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import { CONTROL_PREFIX } from './common.js'

const PullBody = Type.Object({
  model: Type.String({ minLength: 1, maxLength: 255 }),
  backend: Type.Optional(Type.String({ minLength: 1 })),
})

/** A pull as the UI follows it (backends/pull.ts PullJob). */
const PullView = Type.Object({
  id: Type.String(),
  model: Type.String(),
  backendId: Type.String(),
  backend: Type.String({ description: "The backend's name." }),
  status: Type.String({ description: 'Ollama\'s last status line, e.g. "pulling 6a0746a1ec1a".' }),
  completed: Type.Integer({ description: 'Bytes; 0 until Ollama reports sizes.' }),
  total: Type.Integer({ description: 'Bytes; 0 until Ollama reports sizes.' }),
  error: Type.Union([Type.String(), Type.Null()]),
  done: Type.Boolean(),
  startedAt: Type.Number({ description: 'Epoch ms.' }),
  finishedAt: Type.Union([Type.Number(), Type.Null()]),
})

export function registerPullRoutes(app: FastifyInstance, corral: Corral): void {
  app.post<{ Body: Static<typeof PullBody> }>(
    `${CONTROL_PREFIX}/pull`,
    {
      schema: {
        summary: 'Pull a model on a backend',
        tags: ['backends'],
        body: PullBody,
        response: { 202: PullView },
      },
    },
    async (req, reply) => {
      return reply.code(202).send(corral.pulls.start(req.body.model, req.body.backend))
    },
  )
  app.get(
    `${CONTROL_PREFIX}/pulls`,
    {
      schema: {
        summary: 'Pulls in progress and recently finished, newest first',
        tags: ['backends'],
        response: { 200: Type.Array(PullView) },
      },
    },
    async () => corral.pulls.list(),
  )
}
