// Linux's routing and neighbour tables as the kernel prints them in /proc/net: which
// interface and next hop carry the default route, and the next hop's MAC address.
// Pure parsers: probe.ts reads the files, tests feed fixture text.
import os from 'node:os'

export interface DefaultRoute {
  iface: string
  /** The next hop's address; '' for a default route without one (point-to-point links). */
  gateway: string
  metric: number
  family: 'IPv4' | 'IPv6'
}

const RTF_UP = 0x1
const RTF_GATEWAY = 0x2
const RTF_REJECT = 0x200

/**
 * `/proc/net/route`: IPv4 routes, addresses as 32-bit hex in host byte order. The default
 * routes (destination and mask 0) that are up, lowest metric first.
 */
export function parseIpv4Routes(text: string, endianness = os.endianness()): DefaultRoute[] {
  const routes: DefaultRoute[] = []
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 8) continue
    const [iface, dest, gw, flagsHex, , , metric, mask] = f as [string, ...string[]]
    const flags = parseInt(flagsHex ?? '0', 16)
    if (dest !== '00000000' || mask !== '00000000' || !(flags & RTF_UP) || flags & RTF_REJECT)
      continue
    routes.push({
      iface,
      gateway: flags & RTF_GATEWAY ? hexIpv4(gw ?? '', endianness) : '',
      metric: Number(metric) || 0,
      family: 'IPv4',
    })
  }
  return routes.sort((a, b) => a.metric - b.metric)
}

/**
 * `/proc/net/ipv6_route`: dest, dest prefix, src, src prefix, next hop, metric, refcnt, use,
 * flags, iface, all hex. The default routes (::/0) that are up and not the loopback reject.
 */
export function parseIpv6Routes(text: string): DefaultRoute[] {
  const routes: DefaultRoute[] = []
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/)
    if (f.length < 10) continue
    const [dest, prefix, , , nextHop, metric, , , flagsHex, iface] = f as string[]
    const flags = parseInt(flagsHex ?? '0', 16)
    if (!/^0{32}$/.test(dest ?? '') || prefix !== '00' || !(flags & RTF_UP) || flags & RTF_REJECT)
      continue
    if (iface === 'lo') continue
    routes.push({
      iface: iface ?? '',
      gateway: /^0{32}$/.test(nextHop ?? '') ? '' : hexIpv6(nextHop ?? ''),
      metric: parseInt(metric ?? '0', 16),
      family: 'IPv6',
    })
  }
  return routes.sort((a, b) => a.metric - b.metric)
}

/** `/proc/net/arp`: the MAC address the kernel has for `ip` on `iface`, or ''. */
export function parseArpMac(text: string, ip: string, iface: string): string {
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/)
    if (f.length < 6 || f[0] !== ip || f[5] !== iface) continue
    const flags = parseInt(f[2] ?? '0', 16)
    const mac = (f[3] ?? '').toLowerCase()
    // ATF_COM (0x2): the entry is complete; 00:00:... is an unanswered lookup.
    if (flags & 0x2 && mac !== '00:00:00:00:00:00') return mac
  }
  return ''
}

function hexIpv4(hex: string, endianness: 'LE' | 'BE'): string {
  const bytes = (hex.match(/../g) ?? []).map((b) => parseInt(b, 16))
  if (bytes.length !== 4 || bytes.some(Number.isNaN)) return ''
  return (endianness === 'LE' ? bytes.reverse() : bytes).join('.')
}

function hexIpv6(hex: string): string {
  const groups = (hex.match(/.{4}/g) ?? []).map((g) => parseInt(g, 16).toString(16))
  if (groups.length !== 8) return ''
  // Let URL's serializer compress the zeros (RFC 5952).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1)
}
