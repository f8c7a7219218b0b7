// Who may connect: allow/deny lists of addresses and CIDRs, and which peers' X-Forwarded-For
// is believed. Compiled once per config load (a bad entry throws then, not per request).
import {
  RangeSet,
  formatAddress,
  parseAddress,
  parseForwardedAddress,
  parseRangeEntry,
  type AddressRange,
  type ParsedAddress,
} from './address.js'

export type AccessList = 'allow' | 'deny' | 'trustedProxies'

/** A rule entry that is not an address or CIDR; `message` names the entry and its list. */
export class AccessRuleError extends Error {
  readonly code = 'CORRAL_ERR_ACCESS_RULE'
  readonly entry: string
  readonly list: AccessList

  constructor(list: AccessList, entry: string, reason: string) {
    super(`access.${list}: ${reason}`)
    this.name = 'AccessRuleError'
    this.entry = entry
    this.list = list
  }
}

export interface AccessRules {
  allow: readonly string[]
  deny: readonly string[]
  trustedProxies: readonly string[]
}

export interface CompiledAccess {
  /** The address to judge: the peer, or the right-most untrusted X-Forwarded-For hop when the peer is a trusted proxy. */
  clientIp(peer: string, xForwardedFor: string | string[] | undefined): string
  /** deny wins over allow; an empty allow list allows nobody; IPv4-mapped IPv6 (::ffff:a.b.c.d) is matched as IPv4. */
  isAllowed(ip: string): boolean
}

/** Enough to hold every client of a LAN; the cache is dropped whole when it fills. */
const DECISION_CACHE_MAX_ENTRIES = 4096

function compileList(list: AccessList, entries: readonly string[]): RangeSet {
  const ranges: AddressRange[] = []
  for (const entry of entries) {
    const range = parseRangeEntry(entry)
    if (typeof range === 'string') throw new AccessRuleError(list, entry, range)
    ranges.push(range)
  }
  return new RangeSet(ranges)
}

function splitForwardedFor(header: string | string[]): string[] {
  const joined = Array.isArray(header) ? header.join(',') : header
  return joined.split(',').map((hop) => hop.trim())
}

/**
 * Compiles access rules. Unparsable client addresses are never allowed. `clientIp` believes
 * `X-Forwarded-For` only when the peer is in `trustedProxies`: it then walks the hops from the
 * right, skipping trusted proxies, and returns the first untrusted hop (the left-most hop when
 * every hop is trusted). A malformed hop met on that walk makes it fall back to the peer.
 *
 * @throws AccessRuleError on the first bad entry.
 */
export function compileAccess(rules: AccessRules): CompiledAccess {
  const allow = compileList('allow', rules.allow)
  const deny = compileList('deny', rules.deny)
  const trusted = compileList('trustedProxies', rules.trustedProxies)
  const decisions = new Map<string, boolean>()
  // The socket's address is parsed once per peer, not once per request.
  const peers = new Map<string, { ip: string; trusted: boolean }>()

  const judge = (address: ParsedAddress): boolean => !deny.has(address) && allow.has(address)

  return {
    clientIp(peer, xForwardedFor) {
      let known = peers.get(peer)
      if (known === undefined) {
        const address = parseAddress(peer)
        known = {
          ip: address ? formatAddress(address) : normalizeIp(peer),
          trusted: address !== null && !trusted.isEmpty && trusted.has(address),
        }
        if (peers.size >= DECISION_CACHE_MAX_ENTRIES) peers.clear()
        peers.set(peer, known)
      }
      const peerIp = known.ip
      if (!known.trusted) return peerIp
      if (xForwardedFor === undefined || xForwardedFor.length === 0) return peerIp
      const hops = splitForwardedFor(xForwardedFor)
      let leftmost: ParsedAddress | null = null
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = parseForwardedAddress(hops[i] ?? '')
        if (!hop) return peerIp
        if (!trusted.has(hop)) return formatAddress(hop)
        leftmost = hop
      }
      return leftmost ? formatAddress(leftmost) : peerIp
    },

    isAllowed(ip) {
      const cached = decisions.get(ip)
      if (cached !== undefined) return cached
      const address = parseAddress(ip)
      const allowed = address !== null && judge(address)
      if (decisions.size >= DECISION_CACHE_MAX_ENTRIES) decisions.clear()
      decisions.set(ip, allowed)
      return allowed
    },
  }
}

/**
 * Canonical text for an address: IPv4-mapped IPv6 becomes IPv4 (`::ffff:10.1.2.3` ->
 * `10.1.2.3`), zone ids are dropped, IPv6 is lowercased and compressed (RFC 5952). Text that
 * is not an address comes back trimmed and lowercased.
 */
export function normalizeIp(ip: string): string {
  const address = parseAddress(ip)
  return address ? formatAddress(address) : ip.trim().toLowerCase()
}

/** Checks one allow/deny/trusted-proxy entry: null when it is fine, else a message for people. */
export function validateAccessEntry(entry: string): string | null {
  const range = parseRangeEntry(entry)
  return typeof range === 'string' ? range : null
}
