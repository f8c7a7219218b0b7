// mDNS for Corral: advertise this gateway as `_ollama._tcp` and list the other Ollama endpoints
// on the link (plain Ollama published by avahi/dns-sd, other Corral gateways). Candidates are
// only listed; adding one as a backend is the owner's decision. `--no-mdns` uses the no-op.

import { createLogger } from '../util/logger.js'
import { Advertiser } from './advertise.js'
import { CandidateBrowser } from './browse.js'
import { openMdnsLink, type MdnsLink } from './link.js'
import type {
  AdvertiseOptions,
  Candidate,
  Discovery,
  DiscoveryLogger,
  DiscoveryOptions,
} from './types.js'

export type {
  AdvertiseOptions,
  Candidate,
  Discovery,
  DiscoveryLogger,
  DiscoveryOptions,
} from './types.js'

/**
 * Opens the mDNS socket and, with `browse`, starts listening for `_ollama._tcp`. Never throws:
 * if mDNS cannot start at all, the reason is logged and a no-op Discovery comes back.
 */
export function createDiscovery(opts: DiscoveryOptions): Discovery {
  const logger = opts.logger ?? createLogger({ name: 'corral' })
  try {
    return new MdnsDiscovery(openMdnsLink({ interface: opts.interface, logger }), opts, logger)
  } catch (err) {
    logger.warn('mDNS is off: it could not start', { error: err })
    return createNoopDiscovery()
  }
}

/** Discovery that advertises nothing and finds nothing: for `--no-mdns` and for tests. */
export function createNoopDiscovery(): Discovery {
  return {
    advertise() {},
    withdraw: () => Promise.resolve(),
    candidates: () => [],
    onChange: () => () => {},
    close: () => Promise.resolve(),
  }
}

class MdnsDiscovery implements Discovery {
  private readonly listeners = new Set<(c: Candidate[]) => void>()
  private readonly advertiser: Advertiser
  private readonly browser: CandidateBrowser | null
  private closing: Promise<void> | null = null

  constructor(
    private readonly link: MdnsLink,
    opts: DiscoveryOptions,
    private readonly logger: DiscoveryLogger,
  ) {
    this.advertiser = new Advertiser(link, logger, () => this.browser?.changed())
    this.browser = opts.browse
      ? new CandidateBrowser(
          link,
          () => this.advertiser.fqdn(),
          (list) => this.emit(list),
        )
      : null
  }

  advertise(opts: AdvertiseOptions): void {
    if (this.closing) {
      this.logger.warn('mDNS: advertise() after close() is ignored')
      return
    }
    this.advertiser.advertise(opts)
  }

  withdraw(): Promise<void> {
    return this.advertiser.withdraw()
  }

  candidates(): Candidate[] {
    return this.browser?.list() ?? []
  }

  onChange(fn: (c: Candidate[]) => void): () => void {
    this.listeners.add(fn)
    return () => void this.listeners.delete(fn)
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.advertiser.withdraw()
      this.browser?.stop()
      this.listeners.clear()
      await this.link.destroy()
    })()
    return this.closing
  }

  private emit(list: Candidate[]): void {
    for (const fn of this.listeners) {
      try {
        fn(list)
      } catch (err) {
        this.logger.warn('mDNS: a candidates listener threw', { error: err })
      }
    }
  }
}
