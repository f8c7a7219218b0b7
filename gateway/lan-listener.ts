// The LAN listener while sharing is on: the gateway on the gateway port (HTTPS, or plain
// HTTP with TLS off), the plain port next to HTTPS, or the workers listening for it
// (--workers), and the mDNS advertisement of whichever serves. server.ts decides when it
// runs; this starts and stops it.
import os from 'node:os'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { VERSION, type Corral } from './core.js'
import { buildGateway } from './app.js'
import type { TlsSource } from './tls/source.js'
import { closeGracefully, listenPlain, type LanListeners } from './tls/listeners.js'
import type { WorkerFleet } from './workers/fleet.js'
import { lanUrls } from './util/lan.js'

export interface LanListenerOptions {
  corral: Corral
  tls: TlsSource
  fleet: WorkerFleet | null
  uiDir: string | null
  /** Address the gateway binds. */
  host: string
  /** The gateway port (0: any; the one got is kept for the next start). */
  port: number
}

export class LanListener {
  /** The gateway while it listens (or, with workers, while they do); null while off. */
  app: FastifyInstance | null = null
  /** What listens now: the gateway port and the plain port. */
  listeners: LanListeners = { main: null, plain: null }
  port: number

  constructor(private readonly o: LanListenerOptions) {
    this.port = o.port
  }

  /** A start under way: a second caller waits for it rather than building another gateway. */
  private starting: Promise<void> | null = null

  /** Listens, unless it already does. No usable certificate: only the plain port, if set. */
  start(): Promise<void> {
    if (this.app) return Promise.resolve()
    this.starting ??= this.listen().finally(() => {
      this.starting = null
    })
    return this.starting
  }

  private async listen(): Promise<void> {
    const { corral, tls, fleet, uiDir, host } = this.o
    const material = tls.current()
    const want = corral.config.server.tls
    // No usable certificate: never fall back to plain HTTP on the HTTPS port. Only the
    // plain port the owner configured serves (or nothing); status and the UI say why.
    const broken = want.mode !== 'off' && material === null
    if (broken && want.plainPort === null) return
    const certificate = () => tls.current()?.cert ?? null
    if (fleet !== null) {
      // The workers listen; this process's gateway answers what they hand on.
      const app = await buildGateway(corral, { uiDir, certificate })
      try {
        const got = await fleet.listen(
          {
            host,
            port: broken ? (want.plainPort ?? 0) : this.port,
            tls: broken || material === null ? null : { cert: material.cert, key: material.key },
            plainPort: broken ? null : want.plainPort,
          },
          app,
        )
        if (broken) this.listeners = { main: null, plain: { port: got.port, scheme: 'http' } }
        else {
          this.port = got.port
          this.listeners = {
            main: { port: got.port, scheme: material ? 'https' : 'http' },
            plain: got.plainPort === null ? null : { port: got.plainPort, scheme: 'http' },
          }
        }
      } catch (err) {
        await app.close().catch(() => {})
        throw err
      }
      this.app = app
      this.advertise()
      return
    }
    const app = await buildGateway(corral, {
      uiDir,
      tls: material,
      plainHttp: material !== null && want.plainPort !== null,
      certificate,
    })
    try {
      await app.listen({ host, port: broken ? (want.plainPort ?? 0) : this.port })
      const port = (app.server.address() as AddressInfo).port
      if (broken) this.listeners = { main: null, plain: { port, scheme: 'http' } }
      else {
        this.port = port
        const plain = await listenPlain(app, host, want.plainPort)
        this.listeners = { main: { port, scheme: material ? 'https' : 'http' }, plain }
      }
    } catch (err) {
      await app.close().catch(() => {})
      throw err
    }
    this.app = app
    this.advertise()
  }

  /** Withdraws the advertisement and stops listening, letting requests finish (grace). */
  async stop(): Promise<void> {
    // A start under way ends first, so what it opens is closed here, not left listening.
    await this.starting?.catch(() => {})
    const app = this.app
    if (!app) return
    const { corral, fleet } = this.o
    this.app = null
    this.listeners = { main: null, plain: null }
    await corral.discovery.withdraw().catch(() => {})
    const graceMs = corral.config.server.shutdownGraceMs
    if (fleet !== null) await fleet.stopListening(graceMs)
    else await closeGracefully(app, graceMs)
  }

  /** Advertises on mDNS whichever port serves (when mDNS is on). */
  advertise(): void {
    const { corral, tls } = this.o
    const main = this.listeners.main ?? this.listeners.plain
    if (!corral.config.discovery.mdns || !main) return
    corral.discovery.advertise({
      name: corral.config.discovery.name || os.hostname(),
      port: main.port,
      version: VERSION,
      scheme: main.scheme,
      fingerprint: main.scheme === 'https' ? (tls.current()?.info.fingerprint ?? null) : null,
    })
  }

  /** The URLs people on the LAN can use now (empty while off). */
  urls(): string[] {
    if (!this.app) return []
    const of = (l: LanListeners['main']) => (l ? lanUrls(this.o.host, l.port, l.scheme) : [])
    return [...of(this.listeners.main), ...of(this.listeners.plain)]
  }
}
