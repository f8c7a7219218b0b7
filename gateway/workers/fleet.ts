// `corral serve --workers N`: the primary's side. It forks N worker processes (node:cluster)
// that share the LAN port, and answers for them everything that must hold across workers —
// with the same code a single process runs: admission (LocalAdmission: the key's token and
// concurrency limits, the backend choice, the fair queue, the owner's registry, kicks), the
// request rate (its gateway's counters), guest bindings and stats (the one SQLite writer).
// The primary's own gateway never listens; it answers what workers hand on (/metrics,
// /connect, the admin routes, the pool-wide model lists) as if it had come there.
import cluster from 'node:cluster'
import type { FastifyInstance } from 'fastify'
import type { Corral } from '../core.js'
import type { TlsPair } from '../app.js'
import { WorkerLink } from './worker-link.js'
import type { ListenRequest } from './messages.js'

export interface FleetOptions {
  /** Worker processes (≥ 1). */
  count: number
  /** The script workers run: the `corral` command, which becomes a worker under cluster. */
  exec: string
  execArgv?: string[]
}

/** The environment variable that tells the `corral` command it runs as a worker. */
export const WORKER_ENV = 'CORRAL_CLUSTER_WORKER'

export class WorkerFleet {
  private readonly links = new Set<WorkerLink>()
  /** The primary's gateway (not listening): forwarded requests and the rate counters. */
  app: FastifyInstance | null = null
  private listening: ListenRequest | null = null
  private stopped = false
  private readonly onConfig = () => {
    for (const link of this.links) link.send({ t: 'config', config: this.corral.config })
  }

  constructor(
    readonly corral: Corral,
    private readonly opts: FleetOptions,
  ) {}

  get size(): number {
    return this.links.size
  }

  /** Worker pids (for status and the bench). */
  pids(): number[] {
    return [...this.links].map((l) => l.worker.process.pid!).filter((p) => p !== undefined)
  }

  async start(): Promise<void> {
    cluster.setupPrimary({
      exec: this.opts.exec,
      args: ['worker'],
      execArgv: this.opts.execArgv ?? process.execArgv,
      serialization: 'json',
      silent: false,
    })
    this.corral.store.on('change', this.onConfig)
    await Promise.all(Array.from({ length: this.opts.count }, () => this.fork()))
  }

  /** Every worker listens (one port, shared); resolves with the ports they got. */
  async listen(
    request: ListenRequest,
    app: FastifyInstance,
  ): Promise<{ port: number; plainPort: number | null }> {
    this.app = app
    this.listening = request
    try {
      const answers = await Promise.all([...this.links].map((l) => l.listen(request)))
      return answers[0]!
    } catch (err) {
      await this.stopListening(0)
      throw err
    }
  }

  setCertificate(tls: TlsPair): void {
    if (this.listening) this.listening = { ...this.listening, tls }
    for (const link of this.links) link.send({ t: 'certificate', tls })
  }

  /** Workers stop listening and finish what they have (up to `graceMs`). */
  async stopListening(graceMs: number): Promise<void> {
    this.listening = null
    await Promise.all([...this.links].map((l) => l.closeListener(graceMs)))
    const app = this.app
    this.app = null
    await app?.close()
  }

  /** Workers stop; the primary goes on alone. */
  async close(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.corral.store.off('change', this.onConfig)
    if (this.listening) await this.stopListening(this.corral.config.server.shutdownGraceMs)
    await Promise.all([...this.links].map((l) => l.stop()))
  }

  private async fork(): Promise<void> {
    const worker = cluster.fork({ [WORKER_ENV]: '1' })
    const link = new WorkerLink(this, worker)
    this.links.add(link)
    worker.once('exit', (code, signal) => {
      this.links.delete(link)
      link.gone()
      if (this.stopped) return
      this.corral.logger.error(
        `Gateway worker ${worker.process.pid} exited (${signal ?? code}); starting another.`,
      )
      void this.replace()
    })
    await link.ready()
    link.send({ t: 'config', config: this.corral.config })
  }

  private async replace(): Promise<void> {
    try {
      await this.fork()
      const request = this.listening
      const link = [...this.links].at(-1)
      if (request && link) await link.listen(request)
    } catch (err) {
      this.corral.logger.error(`Could not start a gateway worker: ${(err as Error).message}`)
    }
  }
}
