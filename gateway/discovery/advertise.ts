// Advertising Corral as `_ollama._tcp`. bonjour-service announces, answers queries and sends
// goodbyes; its own probe gives up on a taken name with a console.log, so we probe ourselves
// and pick `Name (2)`, `Name (3)`... the way RFC 6762 §9 and every dns-sd responder do.

import type { Service } from 'bonjour-service'
import type { MdnsLink, MdnsPacket } from './link.js'
import {
  SERVICE_TYPE,
  corralTxt,
  instanceFqdn,
  instanceName,
  advertisedHostName,
  sameName,
} from './records.js'
import type { AdvertiseOptions, DiscoveryLogger } from './types.js'

/** RFC 6762 §8.1: three probes 250 ms apart; an answer to any of them means the name is taken. */
const PROBE_COUNT = 3
const PROBE_INTERVAL_MS = 250
const MAX_NAME_ATTEMPTS = 20
/** A goodbye is one datagram; don't let a dead socket hold up withdraw() and close(). */
const GOODBYE_TIMEOUT_MS = 1_000

interface Published {
  service: Service
  fqdn: string
}

export class Advertiser {
  private current: Published | null = null
  /** The options last asked for (as a key), null after withdraw(). */
  private wanted: string | null = null
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly link: MdnsLink,
    private readonly logger: DiscoveryLogger,
    /** Called when our own fqdn appears or goes away. */
    private readonly onOwnChange: () => void,
  ) {}

  /** The fqdn we answer for right now, if any. */
  fqdn(): string | null {
    return this.current?.fqdn ?? null
  }

  advertise(opts: AdvertiseOptions): void {
    const wanted = {
      name: opts.name,
      port: opts.port,
      host: advertisedHostName(opts.host),
      txt: corralTxt(opts.version, opts),
    }
    const key = JSON.stringify(wanted)
    if (key === this.wanted) return
    this.wanted = key
    void this.enqueue(async () => {
      if (this.wanted !== key) return // superseded before its turn
      await this.unpublish()
      await this.publish(wanted, key)
    })
  }

  withdraw(): Promise<void> {
    this.wanted = null
    return this.enqueue(() => this.unpublish())
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch((err: unknown) => {
      this.logger.warn('mDNS: advertising failed', { error: err })
    })
    return this.queue
  }

  private async publish(
    opts: { name: string; port: number; host: string; txt: Record<string, string> },
    key: string,
  ): Promise<void> {
    for (let attempt = 1; attempt <= MAX_NAME_ATTEMPTS; attempt++) {
      const name = instanceName(opts.name, attempt)
      const fqdn = instanceFqdn(name)
      const taken = await this.nameTaken(fqdn)
      if (this.wanted !== key) return
      if (taken) continue
      if (attempt > 1) {
        this.logger.warn(`mDNS: "${opts.name}" is taken on this network; advertising as "${name}"`)
      }
      const service = this.link.bonjour.publish({
        name,
        type: SERVICE_TYPE,
        protocol: 'tcp',
        port: opts.port,
        host: opts.host,
        txt: opts.txt,
        probe: false,
      })
      this.current = { service, fqdn }
      this.onOwnChange()
      return
    }
    this.logger.warn(`mDNS: no free name near "${opts.name}" on this network; not advertising`)
  }

  private async unpublish(): Promise<void> {
    const current = this.current
    if (current === null) return
    this.current = null
    this.onOwnChange()
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, GOODBYE_TIMEOUT_MS)
      current.service.stop((err?: Error | null) => {
        if (err) this.link.warn('sending goodbye', err)
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** Asks the link for `fqdn` three times; any live record by that name means it is taken. */
  private nameTaken(fqdn: string): Promise<boolean> {
    return new Promise((resolve) => {
      let sent = 0
      let timer: NodeJS.Timeout | undefined
      const finish = (taken: boolean): void => {
        clearTimeout(timer)
        off()
        resolve(taken)
      }
      const off = this.link.onResponse((packet: MdnsPacket) => {
        const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])]
        if (records.some((rr) => sameName(rr.name, fqdn) && (rr.ttl ?? 0) > 0)) finish(true)
      })
      const send = (): void => {
        if (sent === PROBE_COUNT) return finish(false)
        sent += 1
        this.link.query([{ name: fqdn, type: 'ANY' }])
        timer = setTimeout(send, PROBE_INTERVAL_MS)
      }
      send()
    })
  }
}
