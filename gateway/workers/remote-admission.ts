// A cluster worker's admission: every question goes to the primary, which answers with its
// own LocalAdmission (fleet.ts). The primary starts the first slot's wait as soon as it
// admitted the request, so a request that finds a slot free costs one round trip.
import type { Admission, AdmitRequest, Grant, Lease, LeaseEntry } from '../proxy/admission.js'
import type { Attached } from '../owner/in-flight.js'
import type { ToPrimary, ToWorker } from './messages.js'
import { fromWire } from './wire-error.js'

interface Pending<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(err: unknown): void
  settled: boolean
}

function pending<T>(): Pending<T> {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  const p: Pending<T> = {
    promise,
    settled: false,
    resolve: (v) => {
      p.settled = true
      resolve(v)
    },
    reject: (e) => {
      p.settled = true
      reject(e)
    },
  }
  // A rejection nobody awaits yet (the first grant, before its take) is not unhandled.
  promise.catch(() => {})
  return p
}

export class RemoteAdmission implements Admission {
  private readonly leases = new Map<number, RemoteLease>()
  private nextId = 1

  constructor(private readonly send: (message: ToPrimary) => void) {}

  admit(req: AdmitRequest): Promise<Lease> {
    const id = this.nextId++
    const lease = new RemoteLease(id, this.send, () => this.leases.delete(id))
    this.leases.set(id, lease)
    const key = req.state.key!.record
    this.send({
      t: 'admit',
      id,
      req: {
        keyId: key.id,
        keyName: key.name,
        clientIp: req.state.clientIp,
        startedAt: req.state.startedAt,
        model: req.state.model,
        userAgent: req.userAgent,
        tokensPerMinute: req.tokensPerMinute,
        promptEstimate: req.promptEstimate,
        concurrency: req.concurrency,
        routeKind: req.routeKind,
        routePath: req.routePath,
        backendWanted: req.backendWanted,
        priority: req.priority,
      },
    })
    return lease.admitted.promise
  }

  /** Answers from the primary; false for a message that is not admission's. */
  receive(message: ToWorker): boolean {
    switch (message.t) {
      case 'admitted':
        this.leases.get(message.id)?.admitted.resolve(this.leases.get(message.id)!)
        return true
      case 'refused': {
        const lease = this.leases.get(message.id)
        this.leases.delete(message.id)
        lease?.admitted.reject(fromWire(message.error))
        return true
      }
      case 'grant':
        this.leases.get(message.id)?.granted(message.grant)
        return true
      case 'take-failed':
        this.leases.get(message.id)?.takeFailed(fromWire(message.error))
        return true
      case 'kick':
        this.leases.get(message.id)?.kicked()
        return true
      default:
        return false
    }
  }

  /** Content frames relayed so far by each stream running here (the owner's live tokens/s). */
  progress(): Array<[number, number]> {
    const out: Array<[number, number]> = []
    for (const [id, lease] of this.leases) {
      const attached = lease.entry.attached
      if (attached?.streaming === true) out.push([id, attached.chunks()])
    }
    return out
  }

  get size(): number {
    return this.leases.size
  }
}

class RemoteLease implements Lease {
  readonly entry: LeaseEntry = { kicked: false, attached: null as Attached | null }
  readonly admitted = pending<Lease>()
  /** The slot the primary is getting (it starts the first wait itself). */
  private slot = pending<Grant>()
  private first = true
  private holding = false

  constructor(
    private readonly id: number,
    private readonly send: (message: ToPrimary) => void,
    private readonly forget: () => void,
  ) {}

  take(client: { readonly signal: AbortSignal }, afterBusy: boolean): Promise<Grant> {
    if (this.first) this.first = false
    else {
      this.slot = pending<Grant>()
      this.send({ t: 'take', id: this.id, afterBusy })
    }
    const slot = this.slot
    if (!slot.settled) {
      // Waiting in the primary's fair queue: a client that leaves gives its place up.
      const signal = client.signal
      const cancel = () => this.send({ t: 'cancel', id: this.id })
      if (signal.aborted) cancel()
      else {
        signal.addEventListener('abort', cancel, { once: true })
        void slot.promise.then(
          () => signal.removeEventListener('abort', cancel),
          () => signal.removeEventListener('abort', cancel),
        )
      }
    }
    return slot.promise
  }

  granted(grant: Grant): void {
    this.holding = true
    this.slot.resolve(grant)
  }

  takeFailed(err: Error): void {
    this.slot.reject(err)
  }

  kicked(): void {
    this.entry.kicked = true
    this.entry.attached?.kick()
  }

  answered(status: number): void {
    const streaming = this.entry.attached?.streaming ?? false
    this.send({ t: 'answered', id: this.id, status, streaming })
  }

  failed(message: string, refused: boolean): void {
    this.send({ t: 'failed', id: this.id, message, refused })
  }

  release(): void {
    if (!this.holding) return
    this.holding = false
    this.send({ t: 'release', id: this.id })
  }

  end(tokens: number | null): void {
    this.forget()
    this.send({ t: 'end', id: this.id, tokens })
  }
}
