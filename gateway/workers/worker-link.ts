// One worker process as the primary sees it (fleet.ts): the messages it sends, answered with
// the primary's own admission, request rate, model lists and gateway; what it holds (leases,
// remote clients) is released when it goes.
import type { Worker } from 'node:cluster'
import type { FastifyInstance } from 'fastify'
import type { Corral } from '../core.js'
import { rateCheckOf } from '../app.js'
import type { InFlight } from '../owner/in-flight.js'
import type { Grant, TrackedLease } from '../proxy/admission.js'
import { collectLists } from '../proxy/merge.js'
import { Channel } from './channel.js'
import { RemoteAttached, RemoteClient, type Held, type Tracked } from './held.js'
import { toWire } from './wire-error.js'
import type { ListenRequest, ToPrimary, ToWorker } from './messages.js'

/** How long a worker has to start and say it is ready. */
const READY_TIMEOUT_MS = 30_000
/** After asking workers to stop, how long before they are killed. */
const EXIT_TIMEOUT_MS = 5_000

/** What a worker's link reads of the fleet: the primary's Corral and its gateway. */
export interface LinkHost {
  readonly corral: Corral
  /** The primary's gateway, once it is built. */
  readonly app: FastifyInstance | null
}

export class WorkerLink {
  private readonly channel: Channel<ToWorker, ToPrimary>
  private readonly held = new Map<number, Held>()
  private alive = true
  private readyWaiter: (() => void) | null = null
  private listenWaiter: ((m: ToPrimary) => void) | null = null
  private closeWaiter: (() => void) | null = null

  constructor(
    private readonly fleet: LinkHost,
    readonly worker: Worker,
  ) {
    this.channel = new Channel<ToWorker, ToPrimary>(worker, (m) => this.receive(m))
  }

  send(message: ToWorker): void {
    if (this.alive) this.channel.send(message)
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('a gateway worker did not start')),
        READY_TIMEOUT_MS,
      )
      this.readyWaiter = () => {
        clearTimeout(timer)
        resolve()
      }
      this.worker.once('exit', () => {
        clearTimeout(timer)
        reject(new Error('a gateway worker exited as it started'))
      })
    })
  }

  listen(request: ListenRequest): Promise<{ port: number; plainPort: number | null }> {
    return new Promise((resolve, reject) => {
      this.listenWaiter = (m) => {
        if (m.t === 'listening') resolve({ port: m.port, plainPort: m.plainPort })
        else if (m.t === 'listen-failed') {
          reject(Object.assign(new Error(m.message), { code: m.code ?? undefined }))
        }
      }
      this.send({ t: 'listen', listen: request })
    })
  }

  closeListener(graceMs: number): Promise<void> {
    if (!this.alive) return Promise.resolve()
    return new Promise((resolve) => {
      this.closeWaiter = resolve
      this.send({ t: 'close', graceMs })
    })
  }

  /** Asks the worker to exit (it does once the primary disconnects), kills it if it won't. */
  stop(): Promise<void> {
    if (!this.alive) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.worker.kill('SIGKILL'), EXIT_TIMEOUT_MS)
      this.worker.once('exit', () => {
        clearTimeout(timer)
        resolve()
      })
      this.worker.disconnect()
    })
  }

  /** The worker exited: what it held is given back, its requests leave the registry. */
  gone(): void {
    this.alive = false
    this.channel.close()
    for (const h of this.held.values()) this.finish(h, null)
    this.held.clear()
    this.closeWaiter?.()
    this.listenWaiter?.({ t: 'listen-failed', message: 'the worker exited', code: null })
  }

  private receive(m: ToPrimary): void {
    const corral = this.fleet.corral
    switch (m.t) {
      case 'ready':
        return this.readyWaiter?.()
      case 'listening':
      case 'listen-failed':
        return this.listenWaiter?.(m)
      case 'closed':
        return this.closeWaiter?.()
      case 'admit':
        return this.admit(m.id, m.req)
      case 'take': {
        const h = this.held.get(m.id)
        if (h) this.take(m.id, h, m.afterBusy)
        return
      }
      case 'cancel':
        return this.held.get(m.id)?.client.cancel()
      case 'answered': {
        const h = this.held.get(m.id)
        if (!h) return
        h.tracked.ttfbMs ??= corral.now() - h.tracked.startedAt
        h.attached.streaming = m.streaming
        h.lease.answered(m.status)
        return
      }
      case 'failed':
        return this.held.get(m.id)?.lease.failed(m.message, m.refused)
      case 'release': {
        const h = this.held.get(m.id)
        if (h) this.release(h)
        return
      }
      case 'end': {
        const h = this.held.get(m.id)
        if (!h) return
        this.held.delete(m.id)
        this.finish(h, m.tokens)
        return
      }
      case 'progress':
        for (const [id, frames] of m.chunks) {
          const h = this.held.get(id)
          if (h) h.attached.frames = frames
        }
        return
      case 'started':
        for (let i = 0; i < m.n; i++) corral.stats.requestStarted()
        return
      case 'record':
        return corral.stats.record(m.record, m.endpoint)
      case 'device-ask':
        return void corral.deviceAsked(m.ask)
      case 'rate':
        return void this.rate(m.id, m.policy)
      case 'bind':
        return void corral
          .bindGuest(m.keyId, m.cidr)
          .then(() => this.send({ t: 'bound', id: m.id }))
      case 'lists':
        return void collectLists(this.fleet.corral, m.kind).then(
          (collected) => this.send({ t: 'lists', id: m.id, collected, error: null }),
          (err: unknown) =>
            this.send({ t: 'lists', id: m.id, collected: null, error: toWire(err) }),
        )
      case 'forward':
        return void this.forward(m)
    }
  }

  private admit(id: number, req: Extract<ToPrimary, { t: 'admit' }>['req']): void {
    const tracked: Tracked = {
      startedAt: req.startedAt,
      clientIp: req.clientIp,
      model: req.model,
      ttfbMs: null,
      key: { record: { id: req.keyId, name: req.keyName } },
    }
    let lease: TrackedLease
    try {
      lease = this.fleet.corral.admission.admit({
        state: tracked,
        userAgent: req.userAgent,
        tokensPerMinute: req.tokensPerMinute,
        promptEstimate: req.promptEstimate,
        concurrency: req.concurrency,
        routeKind: req.routeKind,
        routePath: req.routePath,
        backendWanted: req.backendWanted,
        priority: req.priority,
      })
    } catch (err) {
      this.send({ t: 'refused', id, error: toWire(err) })
      return
    }
    const entry: InFlight = lease.entry
    entry.onKick = () => this.send({ t: 'kick', id })
    const h: Held = {
      lease,
      client: new RemoteClient(),
      attached: new RemoteAttached(),
      tracked,
      holding: false,
      ended: false,
    }
    this.held.set(id, h)
    this.send({ t: 'admitted', id })
    // The first slot now: a request that finds one free costs the worker one round trip.
    this.take(id, h, false)
  }

  private take(id: number, h: Held, afterBusy: boolean): void {
    h.lease.take(h.client, afterBusy).then(
      (grant: Grant) => {
        if (!this.alive || h.ended) return h.lease.release()
        h.holding = true
        h.lease.entry.attached = h.attached
        this.send({ t: 'grant', id, grant })
      },
      (err: unknown) => this.send({ t: 'take-failed', id, error: toWire(err) }),
    )
  }

  private release(h: Held): void {
    if (!h.holding) return
    h.holding = false
    h.lease.entry.attached = null
    h.lease.release()
  }

  private finish(h: Held, tokens: number | null): void {
    if (h.ended) return
    h.ended = true
    h.client.cancel()
    this.release(h)
    h.lease.end(tokens)
  }

  private async rate(id: number, policy: Extract<ToPrimary, { t: 'rate' }>['policy']) {
    const app = this.fleet.app
    const check = app ? rateCheckOf(app) : null
    let decision = null
    try {
      decision = check ? await check(policy) : null
    } catch (err) {
      this.fleet.corral.logger.error(`Rate check failed: ${(err as Error).message}`)
    }
    this.send({ t: 'rated', id, decision })
  }

  private async forward(m: Extract<ToPrimary, { t: 'forward' }>): Promise<void> {
    const app = this.fleet.app
    let status = 503
    let headers: Record<string, string | string[]> = {}
    let body: Buffer = Buffer.from(
      JSON.stringify({ error: 'Corral is not sharing on the LAN right now' }),
    )
    if (app !== null) {
      try {
        const res = await app.inject({
          method: m.method as 'GET',
          url: m.url,
          headers: m.headers as Record<string, string>,
          payload: m.body === null ? undefined : Buffer.from(m.body, 'base64'),
          remoteAddress: m.remoteAddress,
        })
        status = res.statusCode
        headers = {}
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value : String(value)
        }
        body = res.rawPayload
      } catch (err) {
        this.fleet.corral.logger.error(`Forwarded request failed: ${(err as Error).message}`)
        status = 500
        body = Buffer.from(JSON.stringify({ error: 'internal error' }))
      }
    }
    this.send({ t: 'answer', id: m.id, status, headers, body: body.toString('base64') })
  }
}
