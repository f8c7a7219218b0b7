import os from 'node:os'

/** The URLs people on the LAN use: one per non-internal IPv4 address when bound to all. */
export function lanUrls(host: string, port: number, scheme: 'http' | 'https' = 'http'): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [`${scheme}://${formatHost(host)}:${port}`]
  const urls: string[] = []
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (!a.internal && a.family === 'IPv4') urls.push(`${scheme}://${a.address}:${port}`)
    }
  }
  return urls.length > 0 ? urls : [`${scheme}://127.0.0.1:${port}`]
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
