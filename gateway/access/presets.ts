// Ready-made allow lists for the UI and CLI ("LAN", "this machine", "this subnet").
import os from 'node:os'
import ipaddr from 'ipaddr.js'

/** Loopback, RFC 1918, link-local, CGNAT, IPv6 loopback, ULA and link-local: the default allow list. */
const LAN: readonly string[] = Object.freeze([
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '100.64.0.0/10',
  'fc00::/7',
  'fe80::/10',
])

/** Loopback only (IPv4 and IPv6). */
const THIS_MACHINE: readonly string[] = Object.freeze(['127.0.0.0/8', '::1/128'])

type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>

/** The network CIDR of one interface address, or null when its netmask is not a prefix. */
export function interfaceCidr(
  info: Pick<os.NetworkInterfaceInfo, 'address' | 'netmask'>,
): string | null {
  const address = info.address.split('%')[0] ?? ''
  if (!ipaddr.isValid(address) || !ipaddr.isValid(info.netmask)) return null
  const prefix = ipaddr.parse(info.netmask).prefixLengthFromSubnetMask()
  if (prefix === null) return null
  const cidr = `${address}/${prefix}`
  const network = ipaddr.IPv4.isValid(address)
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr)
    : ipaddr.IPv6.networkAddressFromCIDR(cidr)
  const text =
    network.kind() === 'ipv6' ? (network as ipaddr.IPv6).toRFC5952String() : network.toString()
  return `${text}/${prefix}`
}

/**
 * The CIDRs of this machine's non-internal interfaces (computed from address and netmask),
 * without duplicates, IPv4 first.
 */
export function thisSubnet(interfaces: Interfaces = os.networkInterfaces()): string[] {
  const v4 = new Set<string>()
  const v6 = new Set<string>()
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.internal) continue
      const cidr = interfaceCidr(info)
      if (cidr) (cidr.includes(':') ? v6 : v4).add(cidr)
    }
  }
  return [...v4, ...v6]
}

export const ACCESS_PRESETS = Object.freeze({
  lan: LAN,
  thisMachine: THIS_MACHINE,
  thisSubnet,
})
