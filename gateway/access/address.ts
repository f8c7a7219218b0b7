// Address parsing and numeric range sets for the access filter. Rules are parsed once into
// sorted, merged intervals (IPv4 as numbers, IPv6 as bigints); a lookup is a binary search.
import ipaddr from 'ipaddr.js'

/** A parsed address: IPv4 as an unsigned 32-bit number, IPv6 as a 128-bit bigint. */
export type ParsedAddress = { family: 4; value: number } | { family: 6; value: bigint }

/** An inclusive range of addresses of one family. */
export type AddressRange =
  { family: 4; start: number; end: number } | { family: 6; start: bigint; end: bigint }

const IPV4_BITS = 32
const IPV6_BITS = 128
const MAPPED_PREFIX_BITS = 96
const PREFIX_RE = /^\d{1,3}$/
const BRACKETED_RE = /^\[([^\]]+)\](?::\d{1,5})?$/
const V4_WITH_PORT_RE = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/

/** Drops an IPv6 zone id (`fe80::1%eth0` -> `fe80::1`); scope is about the interface, not the host. */
function stripZone(text: string): string {
  const percent = text.indexOf('%')
  return percent === -1 ? text : text.slice(0, percent)
}

function v4ToNumber(octets: readonly number[]): number {
  return (
    (((octets[0] ?? 0) << 24) |
      ((octets[1] ?? 0) << 16) |
      ((octets[2] ?? 0) << 8) |
      (octets[3] ?? 0)) >>>
    0
  )
}

function v6ToBigint(parts: readonly number[]): bigint {
  let value = 0n
  for (const part of parts) value = (value << 16n) | BigInt(part)
  return value
}

/**
 * Parses one bare address strictly: IPv4 only in four-part decimal (no `010.1.1.1`, `0xa.1.1.1`
 * or `10.1`), IPv6 in any valid notation with an optional zone id. IPv4-mapped IPv6
 * (`::ffff:10.1.2.3`) comes back as IPv4. Returns null for anything else.
 */
export function parseAddress(text: string): ParsedAddress | null {
  const bare = stripZone(text.trim())
  if (bare === '') return null
  if (bare.includes(':')) {
    if (!ipaddr.IPv6.isValid(bare)) return null
    const v6 = ipaddr.IPv6.parse(bare)
    if (v6.isIPv4MappedAddress()) return { family: 4, value: v4ToNumber(v6.toIPv4Address().octets) }
    return { family: 6, value: v6ToBigint(v6.parts) }
  }
  if (!ipaddr.IPv4.isValidFourPartDecimal(bare)) return null
  return { family: 4, value: v4ToNumber(ipaddr.IPv4.parse(bare).octets) }
}

/**
 * Parses an address as it may appear in `X-Forwarded-For`: bare, `[v6]`, `[v6]:port` or
 * `a.b.c.d:port`. Returns null when malformed.
 */
export function parseForwardedAddress(text: string): ParsedAddress | null {
  const hop = text.trim()
  const bracketed = BRACKETED_RE.exec(hop)
  if (bracketed) return parseAddress(bracketed[1] ?? '')
  const withPort = V4_WITH_PORT_RE.exec(hop)
  if (withPort) return parseAddress(withPort[1] ?? '')
  return parseAddress(hop)
}

/** Formats a parsed address back to text: dotted IPv4 or RFC 5952 IPv6. */
export function formatAddress(address: ParsedAddress): string {
  if (address.family === 4) {
    const v = address.value
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`
  }
  const parts: number[] = []
  for (let shift = 112n; shift >= 0n; shift -= 16n)
    parts.push(Number((address.value >> shift) & 0xffffn))
  return new ipaddr.IPv6(parts).toRFC5952String()
}

function v4Range(value: number, prefix: number): AddressRange {
  const hostBits = IPV4_BITS - prefix
  const size = 2 ** hostBits
  const start = Math.floor(value / size) * size
  return { family: 4, start, end: start + size - 1 }
}

function v6Range(value: bigint, prefix: number): AddressRange {
  const hostMask = (1n << BigInt(IPV6_BITS - prefix)) - 1n
  const start = value & ~hostMask
  return { family: 6, start, end: start | hostMask }
}

/**
 * Parses a rule entry (an address or a CIDR) into a range, or returns a human message saying
 * what is wrong. Host bits under the mask are ignored (`10.1.2.3/8` is `10.0.0.0/8`). An
 * IPv4-mapped IPv6 CIDR of /96 or longer becomes the IPv4 CIDR it covers.
 */
export function parseRangeEntry(entry: string): AddressRange | string {
  const text = entry.trim()
  if (text === '') return `"${entry}" is empty: write an address or a CIDR`
  const slash = text.indexOf('/')
  const addressText = slash === -1 ? text : text.slice(0, slash)
  const prefixText = slash === -1 ? null : text.slice(slash + 1)
  const address = parseAddress(addressText)
  if (!address) return `"${entry}" is not a valid IPv4 or IPv6 address or CIDR`
  const mapped = address.family === 4 && addressText.includes(':')
  const maxPrefix = mapped ? IPV6_BITS : address.family === 4 ? IPV4_BITS : IPV6_BITS
  if (prefixText === null)
    return address.family === 4 ? v4Range(address.value, 32) : v6Range(address.value, 128)
  if (!PREFIX_RE.test(prefixText) || Number(prefixText) > maxPrefix) {
    return `"${entry}" has a bad prefix length (it must be 0-${maxPrefix})`
  }
  const prefix = Number(prefixText)
  if (address.family === 6) return v6Range(address.value, prefix)
  if (!mapped) return v4Range(address.value, prefix)
  if (prefix < MAPPED_PREFIX_BITS) {
    return `"${entry}" reaches outside ::ffff:0:0/96; write IPv4-mapped ranges as IPv4 CIDRs`
  }
  return v4Range(address.value, prefix - MAPPED_PREFIX_BITS)
}

type Interval<T> = readonly [start: T, end: T]

function mergeIntervals<T extends number | bigint>(intervals: Interval<T>[]): Interval<T>[] {
  const sorted = [...intervals].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const merged: [T, T][] = []
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1]
    if (last && start <= last[1]) {
      if (end > last[1]) last[1] = end
    } else {
      merged.push([start, end])
    }
  }
  return merged
}

function searchIntervals<T extends number | bigint>(intervals: Interval<T>[], value: T): boolean {
  let low = 0
  let high = intervals.length - 1
  while (low <= high) {
    const mid = (low + high) >>> 1
    const interval = intervals[mid] as Interval<T>
    if (value < interval[0]) high = mid - 1
    else if (value > interval[1]) low = mid + 1
    else return true
  }
  return false
}

/** A set of address ranges, merged and sorted so membership is a binary search. */
export class RangeSet {
  readonly #v4: Interval<number>[]
  readonly #v6: Interval<bigint>[]

  constructor(ranges: readonly AddressRange[]) {
    const v4: Interval<number>[] = []
    const v6: Interval<bigint>[] = []
    for (const range of ranges) {
      if (range.family === 4) v4.push([range.start, range.end])
      else v6.push([range.start, range.end])
    }
    this.#v4 = mergeIntervals(v4)
    this.#v6 = mergeIntervals(v6)
  }

  get isEmpty(): boolean {
    return this.#v4.length === 0 && this.#v6.length === 0
  }

  has(address: ParsedAddress): boolean {
    return address.family === 4
      ? searchIntervals(this.#v4, address.value)
      : searchIntervals(this.#v6, address.value)
  }
}
