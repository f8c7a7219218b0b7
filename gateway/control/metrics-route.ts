// Prometheus metrics on the gateway: for keys with the `metrics` scope, or
// from this machine without a key (a local Prometheus scraping the owner's box).
import type { FastifyInstance } from 'fastify'
import type { Corral } from '../core.js'
import { authenticate } from '../auth/hook.js'
import { isLoopback, isLoopbackHost } from '../util/net.js'
import { CorralError } from '../errors.js'

export function registerMetricsRoute(app: FastifyInstance, corral: Corral): void {
  app.route({
    method: 'GET',
    url: '/metrics',
    config: { keyCheckedByHandler: true },
    handler: async (request, reply) => {
      const snapshot = request.corral.snapshot
      if (!snapshot.config.metrics.enabled) throw new CorralError('CORRAL_ERR_NOT_FOUND')
      // The client as the gateway works it out (a trusted proxy's X-Forwarded-For), not the socket.
      // Key-less only for this machine by a loopback Host too: a DNS-rebinding page's
      // request comes from the browser on this machine but names the page's host.
      const localPort = request.raw.socket.localPort
      if (
        !isLoopback(request.corral.clientIp) ||
        !isLoopbackHost(request.headers.host, typeof localPort === 'number' ? localPort : undefined)
      ) {
        const denied = authenticate(
          request.raw,
          request.corral,
          'metrics',
          corral.now(),
          request.url,
        )
        if (denied) throw denied
      }
      request.corral.outcome = 'done'
      const text = await corral.stats.metrics.render()
      return reply.type(corral.stats.metrics.contentType).send(text)
    },
  })
}
