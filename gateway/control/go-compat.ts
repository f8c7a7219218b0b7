// The Go ollama-gateway's admin endpoints, kept so people who migrate keep
// their scripts: `/config/reload` and `/config/new-key` (admin scope).
import type { FastifyInstance } from 'fastify'
import type { Corral } from '../core.js'
import { createKey } from '../auth/manage.js'
import type { RouteDef } from '../proxy/routes.js'
import { CorralError } from '../errors.js'

const RELOAD: RouteDef = {
  methods: ['GET', 'POST'],
  path: '/config/reload',
  scope: 'admin',
  kind: 'any',
}
const NEW_KEY: RouteDef = {
  methods: ['GET', 'POST'],
  path: '/config/new-key',
  scope: 'admin',
  kind: 'any',
}

/** The admin routes (a cluster worker checks their key before it hands them on). */
export const ADMIN_ROUTES: readonly RouteDef[] = [RELOAD, NEW_KEY]

export function registerAdminRoutes(app: FastifyInstance, corral: Corral): void {
  app.route({
    method: RELOAD.methods,
    url: RELOAD.path,
    config: { route: RELOAD },
    handler: async (request, reply) => {
      request.corral.outcome = 'done'
      const result = corral.store.reload()
      if (!result.ok) {
        throw new CorralError('CORRAL_ERR_BAD_REQUEST', {
          message: `config not reloaded: ${result.error}`,
        })
      }
      return reply.send({ status: 'reloaded', changed: result.changed })
    },
  })
  app.route({
    method: NEW_KEY.methods,
    url: NEW_KEY.path,
    config: { route: NEW_KEY },
    handler: async (request, reply) => {
      request.corral.outcome = 'done'
      const n = corral.config.keys.length + 1
      const { record, key } = await createKey((m) => corral.update(m), {
        name: `new-key-${n}`,
        scopes: ['inference'],
      })
      return reply.send({ key, id: record.id, name: record.name })
    },
  })
}
