// The LAN listener's servers: HTTPS (or plain HTTP with TLS off) on the gateway port, and
// the optional plain HTTP server next to HTTPS on a port of its own (app.ts makes both).
import type { Server } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { plainServerOf, type TlsPair } from './plain-server.js'

export interface Listening {
  port: number
  scheme: 'http' | 'https'
}

export interface LanListeners {
  /** The gateway port: HTTPS, or plain HTTP when TLS is off. */
  main: Listening | null
  /** Plain HTTP on a port of its own (server.tls.plainPort). */
  plain: Listening | null
}

/** Listen the app's plain HTTP server (if it has one) on `port`. */
export async function listenPlain(
  app: FastifyInstance,
  host: string,
  port: number | null,
): Promise<Listening | null> {
  const plain = plainServerOf(app)
  if (!plain || port === null) return null
  await new Promise<void>((resolve, reject) => {
    plain.once('error', reject)
    plain.listen({ host, port }, () => {
      plain.off('error', reject)
      resolve()
    })
  })
  return { port: (plain.address() as AddressInfo).port, scheme: 'http' }
}

export function closePlain(app: FastifyInstance): Promise<void> {
  const plain: Server | null = plainServerOf(app)
  if (!plain?.listening) return Promise.resolve()
  return new Promise((resolve) => plain.close(() => resolve()))
}

/** New TLS connections get the new certificate; connections already open keep theirs. */
export function setCertificate(app: FastifyInstance, pair: TlsPair): void {
  ;(app.server as unknown as HttpsServer).setSecureContext({ cert: pair.cert, key: pair.key })
}

/** Stop accepting, let requests in flight finish for up to `graceMs`, then cut them. */
export async function closeGracefully(app: FastifyInstance, graceMs: number): Promise<void> {
  const servers = [app.server, plainServerOf(app)].filter((x) => x !== null)
  const timer = setTimeout(() => servers.forEach((s) => s.closeAllConnections()), graceMs)
  timer.unref()
  // A keep-alive connection whose stream ends during the grace period goes idle: close it
  // then, instead of waiting for the whole grace period.
  const sweep = setInterval(() => servers.forEach((s) => s.closeIdleConnections()), IDLE_SWEEP_MS)
  sweep.unref()
  try {
    await Promise.all([app.close(), closePlain(app)])
  } finally {
    clearTimeout(timer)
    clearInterval(sweep)
  }
}

const IDLE_SWEEP_MS = 100
