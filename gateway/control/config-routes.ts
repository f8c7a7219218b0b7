// A config.json that stopped loading while running: what the status says of it, and the
// owner's way out when they would rather keep the running settings than fix the file.
import type { FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import { CONTROL_PREFIX as P } from './common.js'

export const ConfigProblemView = Type.Union(
  [
    Type.Object({
      message: Type.String(),
      line: Type.Union([Type.Integer(), Type.Null()], {
        description: 'Line of the syntax error (1-based), when the parser said.',
      }),
      copy: Type.Union([Type.String(), Type.Null()], {
        description: 'Where the text that does not load was kept (config.json.broken).',
      }),
      since: Type.String({ format: 'date-time' }),
    }),
    Type.Null(),
  ],
  {
    description:
      'config.json on disk does not load (a hand edit): the last good settings run, and changes answer 409 until it is fixed or discarded.',
  },
)

export function registerConfigRoutes(app: FastifyInstance, corral: Corral): void {
  app.post(
    `${P}/config/discard`,
    {
      schema: {
        summary: 'Write the running settings over a config.json that does not load',
        description:
          'The text that did not load stays in config.json.broken. Answers whether there was anything to discard.',
        tags: ['config'],
        response: { 200: Type.Object({ discarded: Type.Boolean() }) },
      },
    },
    async () => ({ discarded: await corral.store.discardBroken() }),
  )
}
