// The names and addresses a client may use to reach this machine on the LAN: what the
// self-signed certificate must cover for a client's host name check to pass.
import os from 'node:os'
import { advertisedHostName } from '../discovery/records.js'

export interface LanNames {
  dnsNames: string[]
  ipAddresses: string[]
}

type Interfaces = ReturnType<typeof os.networkInterfaces>

/** localhost, the host name, `<host>.local`, the mDNS name Corral advertises, every address. */
export function lanNames(
  hostname: string = os.hostname(),
  interfaces: Interfaces = os.networkInterfaces(),
): LanNames {
  const host = hostname.trim().toLowerCase()
  const short = host.split('.')[0] ?? ''
  const dnsNames = ['localhost', host, short, `${short}.local`, advertisedHostName()].filter(
    (n) => n.length > 0 && /^[a-z0-9.-]+$/.test(n),
  )
  const ipAddresses = ['127.0.0.1', '::1']
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      // Link-local IPv6 needs a zone a URL cannot carry to a certificate check.
      if (info.family === 'IPv6' && /^fe[89ab]/i.test(info.address)) continue
      ipAddresses.push(info.address)
    }
  }
  return { dnsNames: [...new Set(dnsNames)], ipAddresses: [...new Set(ipAddresses)] }
}

/** Names and addresses `want` has that `have` lacks. */
export function missingNames(have: LanNames, want: LanNames): string[] {
  const dns = new Set(have.dnsNames.map((n) => n.toLowerCase()))
  const ips = new Set(have.ipAddresses)
  return [
    ...want.dnsNames.filter((n) => !dns.has(n.toLowerCase())),
    ...want.ipAddresses.filter((a) => !ips.has(a)),
  ]
}
