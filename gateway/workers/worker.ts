// A cluster worker: one of `corral serve --workers N`'s gateway processes. It serves the
// proxied routes itself (the same pipeline, relay and usage tap as a single process) on the
// port the cluster shares, and asks the primary for everything that must hold across
// workers: admission (limits, backend choice, the fair queue, the owner's registry), the
// request rate, guest bindings, stats, and the pool's model lists, which it merges and
// answers itself. /metrics, /connect and the admin routes it hands to the primary's gateway
// once their address and key checks pass (forwarded.ts); unknown paths it answers itself.
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { buildWorkerGateway, type WorkerMode } from '../app.js'
import type { Config } from '../config/schema.js'
import { compileSnapshot, type Snapshot } from '../runtime.js'
import { GuestBindings } from '../auth/subnet.js'
import { DeviceGate } from '../device-keys/gate.js'
import { deviceId } from '../device-keys/pending.js'
import { PauseRules } from '../owner/pauses.js'
import { checkPause } from '../owner/owner.js'
import { UpstreamPool } from '../proxy/upstream-pool.js'
import type { GatewayHost, StatsSink } from '../proxy/host.js'
import type { RequestRecord } from '../stats/record.js'
import type { RateDecision } from '../limits/rate-limit.js'
import { answerMerged, type MergeKind } from '../proxy/merge.js'
import type { Exchange } from '../proxy/exchange.js'
import { fromWire } from './wire-error.js'
import { policyFor } from '../limits/fastify.js'
import { closeGracefully, listenPlain, setCertificate } from '../tls/listeners.js'
import { createLogger, type Logger } from '../util/logger.js'
import { Channel, type Port } from './channel.js'
import { RemoteAdmission } from './remote-admission.js'
import { notFound, registerForwarded } from './forwarded.js'
import type { Call, ListenRequest, ToPrimary, ToWorker } from './messages.js'

/** How often a worker tells the primary how far its streams are (the owner's tokens/s). */
const PROGRESS_INTERVAL_MS = 1000

export class WorkerHost implements GatewayHost {
  readonly now = Date.now
  readonly upstream = new UpstreamPool()
  readonly admission: RemoteAdmission
  readonly stats: StatsSink
  readonly owner = { admit: (state: Parameters<typeof checkPause>[1]) => this.checkPause(state) }
  private snap: Snapshot | null = null
  private pauses: PauseRules | null = null
  private readonly bindings: GuestBindings
  /**
   * Signed requests (device-keys/): the replay guard is this worker's (a connection stays in
   * one worker); unknown devices go to the primary's list.
   */
  private readonly deviceGate = new DeviceGate((ask) => {
    this.send({ t: 'device-ask', ask })
    return { id: deviceId(ask.fingerprint) }
  })
  private started = 0
  private nextCall = 1
  private readonly calls = new Map<number, (message: ToWorker) => void>()

  constructor(
    private readonly send: (message: ToPrimary) => void,
    readonly logger: Logger,
  ) {
    this.admission = new RemoteAdmission(send)
    this.bindings = new GuestBindings((keyId, cidr) => this.call({ t: 'bind', keyId, cidr }))
    const config = () => this.config
    this.stats = {
      get enabled() {
        return config().stats.enabled
      },
      requestStarted: () => {
        if (this.started++ === 0) setImmediate(this.flushStarted)
      },
      record: (record: RequestRecord, endpoint: string) => {
        this.send({ t: 'record', record, endpoint })
      },
    }
  }

  get snapshot(): Snapshot {
    return this.snap!
  }

  get config(): Config {
    return this.snap!.config
  }

  get configured(): boolean {
    return this.snap !== null
  }

  /** The primary's effective config (overlay applied), on start and on every change. */
  configure(config: Config): void {
    try {
      this.snap = compileSnapshot(config, {
        guestBindings: this.bindings,
        deviceGate: this.deviceGate,
      })
      this.pauses = new PauseRules(config.owner)
    } catch (err) {
      // The primary compiled it before sending it; this is a bug, and the old one stays.
      this.logger.error(`Config not applied in worker: ${(err as Error).message}`)
    }
  }

  /** The pool's lists come from the primary (it owns the pool); merged and answered here. */
  async serveMerged(ex: Exchange, kind: MergeKind): Promise<void> {
    const m = (await this.call({ t: 'lists', kind })) as Extract<ToWorker, { t: 'lists' }>
    if (m.error !== null) throw fromWire(m.error)
    answerMerged(this, ex, kind, m.collected!)
  }

  /** A question for the primary that waits for its answer. */
  call(message: Call): Promise<ToWorker> {
    const id = this.nextCall++
    return new Promise((resolve) => {
      this.calls.set(id, resolve)
      this.send({ ...message, id } as unknown as ToPrimary)
    })
  }

  /** Answers to call(); false for other messages. */
  answer(message: ToWorker): boolean {
    if (
      message.t !== 'rated' &&
      message.t !== 'bound' &&
      message.t !== 'lists' &&
      message.t !== 'answer'
    )
      return false
    const resolve = this.calls.get(message.id)
    this.calls.delete(message.id)
    resolve?.(message)
    return true
  }

  private checkPause(state: Parameters<typeof checkPause>[1]): void {
    if (this.pauses !== null) checkPause(this.pauses, state, this.now())
  }

  private readonly flushStarted = (): void => {
    const n = this.started
    this.started = 0
    if (n > 0) this.send({ t: 'started', n })
  }
}

/** Runs this process as a worker until the primary goes away. */
export async function runWorker(port: Port & { on(event: 'disconnect', l: () => void): unknown }) {
  const logger = createLogger({ name: `corral-worker-${process.pid}` })
  let app: FastifyInstance | null = null
  let host: WorkerHost | null = null
  const channel = new Channel<ToPrimary, ToWorker>(port, (message) => {
    void receive(message).catch((err: unknown) => {
      logger.error(`Worker failed on ${message.t}: ${(err as Error).message}`, { err })
    })
  })
  const send = (message: ToPrimary) => channel.send(message)
  host = new WorkerHost(send, logger)
  const progress = setInterval(() => {
    const chunks = host!.admission.progress()
    if (chunks.length > 0) send({ t: 'progress', chunks })
  }, PROGRESS_INTERVAL_MS)
  progress.unref()

  const mode: WorkerMode = {
    rateCheck: async (state) => {
      const policy = policyFor(state)
      if (policy === null || policy.requests === null) return null
      const answer = await host!.call({ t: 'rate', policy })
      return (answer as { decision: RateDecision | null }).decision
    },
    registerForwarded: (app) => registerForwarded(app, host!),
    notFound: (request, reply) => notFound(host!, request, reply),
  }

  async function receive(message: ToWorker): Promise<void> {
    if (host!.admission.receive(message) || host!.answer(message)) return
    switch (message.t) {
      case 'config':
        host!.configure(message.config)
        return
      case 'listen':
        return listen(message.listen)
      case 'certificate':
        if (app !== null) setCertificate(app, message.tls)
        return
      case 'close': {
        const closing = app
        app = null
        if (closing !== null) await closeGracefully(closing, message.graceMs)
        send({ t: 'closed' })
        return
      }
    }
  }

  async function listen(request: ListenRequest): Promise<void> {
    try {
      if (app !== null) throw new Error('already listening')
      const next = await buildWorkerGateway(host!, mode, {
        tls: request.tls,
        plainHttp: request.tls !== null && request.plainPort !== null,
      })
      try {
        await next.listen({ host: request.host, port: request.port })
        const plain = await listenPlain(next, request.host, request.plainPort)
        app = next
        const port = (next.server.address() as AddressInfo).port
        send({ t: 'listening', port, plainPort: plain?.port ?? null })
      } catch (err) {
        await next.close().catch(() => {})
        throw err
      }
    } catch (err) {
      const code = (err as { code?: string }).code ?? null
      send({ t: 'listen-failed', message: (err as Error).message, code })
    }
  }

  await new Promise<void>((resolve) => {
    port.on('disconnect', () => {
      // The primary is gone (it stopped, or died): nobody to admit requests any more.
      clearInterval(progress)
      channel.close()
      host!.upstream.close()
      const closing = app
      app = null
      if (closing === null) resolve()
      else void closeGracefully(closing, 0).finally(resolve)
    })
    send({ t: 'ready' })
  })
}
