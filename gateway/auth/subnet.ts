// Where a key may be used from. A key with a `subnet` works only from it; a guest key
// without one is bound, the first time it is used from another machine, to that device's
// /24 (IPv4) or /64 (IPv6), and the binding is saved to config.json so it survives a
// restart. Use from this machine (the owner trying the key) does not bind it.
import {
  RangeSet,
  formatAddress,
  parseAddress,
  parseRangeEntry,
  type ParsedAddress,
} from '../access/address.js'
import type { KeyRecord } from '../config/schema.js'
import { isLoopback } from '../util/net.js'

/** The prefix a guest key is bound to when no subnet was given. */
export const GUEST_PREFIX_V4 = 24
export const GUEST_PREFIX_V6 = 64

/** One key's rule, compiled once per config load. */
export interface SubnetRule {
  /** Whether the key may be used from `ip` (the address the access check judged). */
  allows(ip: string): boolean
}

/**
 * Bindings made since the config was last loaded, by key id: a request that binds a guest
 * key is followed by a config write, and a config reloaded before that write lands must not
 * forget the binding. `persist` saves one (the Corral passes its config update).
 */
export class GuestBindings {
  private readonly pending = new Map<string, string>()
  private readonly saving = new Map<string, Promise<void>>()

  constructor(private readonly persist: (keyId: string, cidr: string) => Promise<unknown>) {}

  get(keyId: string): string | undefined {
    return this.pending.get(keyId)
  }

  /** Binds the key (unless a binding is on its way already); resolves once it is saved. */
  bind(keyId: string, cidr: string): Promise<void> {
    const saving = this.saving.get(keyId)
    if (saving !== undefined) return saving
    this.pending.set(keyId, cidr)
    const saved = this.persist(keyId, cidr)
      .catch(() => {})
      .then(() => {
        this.pending.delete(keyId)
        this.saving.delete(keyId)
      })
    this.saving.set(keyId, saved)
    return saved
  }
}

/** The guest network of an address: its /24 or /64, as a CIDR; null when it is no address. */
export function guestSubnetOf(ip: string): string | null {
  const address = parseAddress(ip)
  if (address === null) return null
  if (address.family === 4) {
    const start = address.value - (address.value % 2 ** (32 - GUEST_PREFIX_V4))
    return `${formatAddress({ family: 4, value: start })}/${GUEST_PREFIX_V4}`
  }
  const hostMask = (1n << BigInt(128 - GUEST_PREFIX_V6)) - 1n
  return `${formatAddress({ family: 6, value: address.value & ~hostMask })}/${GUEST_PREFIX_V6}`
}

/** Null when `cidr` is a usable subnet, else a message for people. */
export function checkSubnet(cidr: string): string | null {
  const range = parseRangeEntry(cidr)
  return typeof range === 'string' ? range.replace(/address or CIDR/, 'CIDR') : null
}

/** A range set for one CIDR, or a throw naming the key (a hand-edited config.json). */
function compileCidr(record: KeyRecord, cidr: string): RangeSet {
  const range = parseRangeEntry(cidr)
  if (typeof range === 'string') throw new Error(`key "${record.name}": subnet ${range}`)
  return new RangeSet([range])
}

function matcher(set: RangeSet): (ip: string) => boolean {
  // Every request of the key parses its address; a LAN has few, so they are remembered.
  const seen = new Map<string, boolean>()
  return (ip) => {
    let ok = seen.get(ip)
    if (ok === undefined) {
      const address: ParsedAddress | null = parseAddress(ip)
      ok = address !== null && set.has(address)
      if (seen.size >= 256) seen.clear()
      seen.set(ip, ok)
    }
    return ok
  }
}

/** The key's rule; null when it may be used from anywhere the access list allows. */
export function compileSubnetRule(
  record: KeyRecord,
  bindings: GuestBindings | null,
): SubnetRule | null {
  const cidr = record.subnet ?? bindings?.get(record.id) ?? null
  if (cidr !== null) return { allows: matcher(compileCidr(record, cidr)) }
  if (!record.guest) return null
  // A guest key not bound yet: the first address it is used from decides.
  let bound: ((ip: string) => boolean) | null = null
  return {
    allows(ip) {
      if (bound !== null) return bound(ip)
      const pending = bindings?.get(record.id)
      // Bound to loopback, a guest key would work nowhere but here: this machine does not bind.
      if (pending === undefined && isLoopback(ip)) return true
      const subnet = pending ?? guestSubnetOf(ip)
      if (subnet === null) return false
      bound = matcher(compileCidr(record, subnet))
      if (pending === undefined) void bindings?.bind(record.id, subnet)
      return bound(ip)
    },
  }
}
