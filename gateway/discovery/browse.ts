// Browsing `_ollama._tcp` with a cache that behaves like RFC 6762 §5.2 asks. bonjour-service's
// Browser parses answers and handles goodbyes, but never refreshes what it found and never
// expires it; this class adds both. A service lives as long as both its PTR and its SRV record
// (TTL 120 s from avahi, dns-sd and bonjour-service): at 80 % and 90 % of that we ask again,
// and at 100 % without an answer the service is gone.

import type { Browser, Service } from 'bonjour-service'
import type { MdnsLink, MdnsPacket, MdnsQuestion, MdnsRecord } from './link.js'
import { BROWSE_NAME, SERVICE_TYPE, sameName, toCandidate } from './records.js'
import type { Candidate } from './types.js'

/** Fractions of a TTL at which a still-silent service is queried again (RFC 6762 §5.2). */
const REFRESH_AT = [0.8, 0.9] as const
/** Browse queries start 1 s apart and back off threefold up to an hour (RFC 6762 §5.2). */
const FIRST_BROWSE_INTERVAL_MS = 1_000
const MAX_BROWSE_INTERVAL_MS = 60 * 60 * 1_000
/** RFC 6762 §10.1: a goodbye means "gone in one second". */
const GOODBYE_TTL_MS = 1_000
const MIN_TIMER_MS = 20

interface Freshness {
  seenAt: number
  ptrUntil?: number
  srvUntil?: number
  refreshes: number
}

const SERVICE_SUFFIX = `.${BROWSE_NAME}`

export class CandidateBrowser {
  private readonly browser: Browser
  private readonly fresh = new Map<string, Freshness>()
  private readonly offResponse: () => void
  private timer: NodeJS.Timeout | undefined
  private browseInterval = FIRST_BROWSE_INTERVAL_MS
  private nextBrowseAt: number
  private lastKey = '[]'
  private stopped = false

  constructor(
    private readonly link: MdnsLink,
    /** Our own advertisement's fqdn, left out of the list. */
    private readonly ownFqdn: () => string | null,
    private readonly onChange: (list: Candidate[]) => void,
    private readonly now: () => number = Date.now,
  ) {
    // bonjour-service's Browser sends its first query itself.
    this.browser = link.bonjour.find({ type: SERVICE_TYPE, protocol: 'tcp' })
    for (const event of ['up', 'down', 'srv-update', 'txt-update'] as const) {
      this.browser.on(event, () => this.changed())
    }
    // Registered after the Browser's own listener, so a new service is known when we see it.
    this.offResponse = link.onResponse((packet) => {
      try {
        this.observe(packet)
      } catch (err) {
        link.warn('reading a response', err) // a malformed packet must not take us down
      }
    })
    this.nextBrowseAt = this.now() + this.browseInterval
    this.schedule()
  }

  list(): Candidate[] {
    const own = this.ownFqdn()
    return this.browser.services
      .filter((s) => own === null || !sameName(s.fqdn, own))
      .map((s) => toCandidate(s, this.fresh.get(keyOf(s.fqdn))?.seenAt ?? s.lastSeen ?? 0))
      .sort((a, b) => a.name.localeCompare(b.name) || a.url.localeCompare(b.url))
  }

  /** Tells listeners if the list changed (lastSeen alone is not a change). */
  changed(): void {
    if (this.stopped) return
    const list = this.list()
    const key = JSON.stringify(list.map(({ lastSeen: _, ...rest }) => rest))
    if (key === this.lastKey) return
    this.lastKey = key
    this.onChange(list)
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.offResponse()
    this.browser.stop()
  }

  private observe(packet: MdnsPacket): void {
    const now = this.now()
    for (const rr of [...(packet.answers ?? []), ...(packet.additionals ?? [])]) {
      if (rr.type === 'PTR' && sameName(rr.name, BROWSE_NAME) && typeof rr.data === 'string') {
        this.touch(rr.data, 'ptrUntil', rr, now)
      } else if (rr.type === 'SRV' && rr.name.toLowerCase().endsWith(SERVICE_SUFFIX)) {
        this.touch(rr.name, 'srvUntil', rr, now)
      }
    }
    this.schedule()
  }

  private touch(fqdn: string, field: 'ptrUntil' | 'srvUntil', rr: MdnsRecord, now: number): void {
    const key = keyOf(fqdn)
    const ttlMs = (rr.ttl ?? 0) * 1_000
    const entry = this.fresh.get(key)
    if (ttlMs <= 0) {
      // Goodbye. The Browser drops the service on a PTR goodbye; an SRV one ends it shortly.
      if (entry !== undefined) entry[field] = now + GOODBYE_TTL_MS
      return
    }
    if (entry === undefined)
      this.fresh.set(key, { seenAt: now, [field]: now + ttlMs, refreshes: 0 })
    else Object.assign(entry, { seenAt: now, [field]: now + ttlMs, refreshes: 0 })
  }

  /** Expires what timed out, asks again what is about to, and sets the timer for what's next. */
  private tick(): void {
    if (this.stopped) return
    const now = this.now()
    let expired = false
    let ask = false
    const refresh: MdnsQuestion[] = []
    for (const service of this.browser.services) {
      const entry = this.freshnessOf(service)
      const end = expiresAt(entry)
      // Browser.expire() drops the services whose lastSeen + ttl has passed, and its own copies
      // of both date from the first sighting: give it ours.
      service.lastSeen = entry.seenAt
      service.ttl = Math.max(1, Math.ceil((end - entry.seenAt) / 1_000))
      if (now >= end) {
        service.lastSeen = 0
        this.fresh.delete(keyOf(service.fqdn))
        expired = true
      } else if (now >= refreshAt(entry)) {
        // PTR answers usually carry the SRV along; a responder that leaves it out still
        // answers the SRV question.
        entry.refreshes += 1
        ask = true
        refresh.push({ name: service.fqdn, type: 'SRV' })
      }
    }
    for (const [key, entry] of this.fresh) if (now >= expiresAt(entry)) this.fresh.delete(key)
    if (now >= this.nextBrowseAt) {
      ask = true
      this.browseInterval = Math.min(this.browseInterval * 3, MAX_BROWSE_INTERVAL_MS)
      this.nextBrowseAt = now + this.browseInterval
    }
    if (ask) this.link.query([{ name: BROWSE_NAME, type: 'PTR' }, ...refresh])
    if (expired) {
      this.browser.expire()
      // expire() emits 'down' before it drops the service from its list: look again now.
      this.changed()
    }
    this.schedule()
  }

  private schedule(): void {
    if (this.stopped) return
    let next = this.nextBrowseAt
    for (const service of this.browser.services) {
      const entry = this.freshnessOf(service)
      next = Math.min(next, refreshAt(entry), expiresAt(entry))
    }
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.tick(), Math.max(next - this.now(), MIN_TIMER_MS))
    this.timer.unref()
  }

  /** Our record for a service; one is made from the Browser's own fields if we missed it. */
  private freshnessOf(service: Service): Freshness {
    const key = keyOf(service.fqdn)
    let entry = this.fresh.get(key)
    if (entry === undefined) {
      const seenAt = service.lastSeen ?? this.now()
      entry = { seenAt, ptrUntil: seenAt + (service.ttl ?? 120) * 1_000, refreshes: 0 }
      this.fresh.set(key, entry)
    }
    return entry
  }
}

function keyOf(fqdn: string): string {
  return fqdn.replace(/\.$/, '').toLowerCase()
}

function expiresAt(entry: Freshness): number {
  return Math.min(entry.ptrUntil ?? Infinity, entry.srvUntil ?? Infinity)
}

/** When the next refresh query is due, or never once both have been sent. */
function refreshAt(entry: Freshness): number {
  const fraction = REFRESH_AT[entry.refreshes]
  if (fraction === undefined) return Infinity
  const end = expiresAt(entry)
  return entry.seenAt + (end - entry.seenAt) * fraction
}
