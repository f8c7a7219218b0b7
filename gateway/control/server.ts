// The control listener: 127.0.0.1 only, every API call needs the control
// token in the Authorization header (never a cookie, never the URL), and the
// Host header must name this listener (a DNS-rebinding guard): see guard.ts. It
// serves the UI's static files and the control API the UI, the CLI and the app use.
import { useDepthCheckedJson } from './json-parser.js'
import crypto from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Corral } from '../core.js'
import { KeyInputError } from '../auth/manage.js'
import { ConfigBrokenError } from '../config/broken.js'
import { BackendInputError } from '../backends/manage.js'
import { PullError } from '../backends/pull.js'
import { ConfigError } from '../config/load.js'
import { AccessRuleError } from '../access/ip-filter.js'
import { registerControlRoutes } from './routes.js'
import { registerStatsRoutes } from './stats-routes.js'
import { registerAccessRoutes } from './access-routes.js'
import { registerSettingsRoutes } from './settings-routes.js'
import { registerOpenApi } from './openapi.js'
import { registerStaticUi } from './static-ui.js'
import { registerPullRoutes } from './pull-routes.js'
import { registerOwnerRoutes } from './owner-routes.js'
import { registerConfigRoutes } from './config-routes.js'
import { registerTlsRoutes } from './tls-routes.js'
import { registerNetworkRoutes } from './network-routes.js'
import { CONTROL_PREFIX, ControlError } from './common.js'
import type { ControlOptions } from './options.js'
import { registerControlGuard } from './guard.js'

export { CONTROL_PREFIX, ControlError }
export type { ControlOptions }

export async function buildControl(corral: Corral, opts: ControlOptions): Promise<FastifyInstance> {
  // forceCloseConnections: an open UI's live feed (SSE) must not hold up shutdown.
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, forceCloseConnections: true })
  useDepthCheckedJson(app)
  registerControlGuard(app, {
    token: opts.token,
    port: opts.port,
    gateway: () => ({ urls: opts.sharing.urls(), config: corral.config }),
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store')
    reply.header('x-content-type-options', 'nosniff')
    reply.header('x-frame-options', 'DENY')
    reply.header('referrer-policy', 'no-referrer')
    return payload
  })
  app.setErrorHandler(
    (err: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
      const status = statusOf(err)
      if (status >= 500)
        corral.logger.error(`Control API ${request.method} ${request.url} failed`, { err })
      return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message })
    },
  )
  // First: the OpenAPI document is built from the routes registered after it.
  await registerOpenApi(app)
  await registerControlRoutes(app, corral, opts)
  registerStatsRoutes(app, corral)
  registerAccessRoutes(app, corral, { subnets: opts.subnets })
  registerSettingsRoutes(app, corral, opts)
  registerPullRoutes(app, corral)
  registerOwnerRoutes(app, corral)
  registerConfigRoutes(app, corral)
  registerTlsRoutes(app, opts.sharing)
  registerNetworkRoutes(app, opts.sharing)

  await registerStaticUi(app, opts.uiDir)
  return app
}

function statusOf(err: Error & { statusCode?: number; validation?: unknown }): number {
  if (err instanceof ControlError) return err.status
  if (err instanceof KeyInputError || err instanceof BackendInputError) return err.status
  if (err instanceof PullError) return err.status
  if (err instanceof ConfigBrokenError) return err.status
  if (err instanceof AccessRuleError || err instanceof ConfigError) return 400
  if (err.validation || (err.statusCode && err.statusCode < 500)) return err.statusCode ?? 400
  return 500
}

export function newControlToken(): string {
  return crypto.randomBytes(24).toString('base64url')
}
