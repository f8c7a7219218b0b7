// The certificate pair a gateway serves HTTPS with, and the plain HTTP server made next to an
// HTTPS gateway (app.ts makes it, listeners.ts listens on it). Here, below app.ts, so that
// tls/ never imports the gateway app back.
import type { Server } from 'node:http'
import type { FastifyInstance } from 'fastify'

export interface TlsPair {
  cert: string
  key: string
}

const plainServers = new WeakMap<Server, Server>()

/** Remembers `plain` as the plain HTTP server made next to the HTTPS server `main`. */
export function setPlainServer(main: Server, plain: Server): void {
  plainServers.set(main, plain)
}

/** The plain HTTP server made next to an HTTPS gateway (GatewayOptions.plainHttp), if any. */
export function plainServerOf(app: FastifyInstance): Server | null {
  return plainServers.get(app.server) ?? null
}
