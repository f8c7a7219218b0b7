/** Is this peer address this machine (IPv4, IPv6 or IPv4-mapped loopback)? */
export function isLoopback(addr: string | undefined): boolean {
  return !!addr && (addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.'))
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]']

/**
 * Is this `Host` header this machine by a loopback name, with this port? A page that
 * rebinds its own name to 127.0.0.1 (DNS rebinding, as in Ollama's CVE-2024-28224) still
 * sends its own name, so it fails here. `port` undefined (a request the primary answers
 * for a worker) checks the name and that a port is named.
 */
export function isLoopbackHost(host: string | undefined, port: number | undefined): boolean {
  if (!host) return false
  const colon = host.lastIndexOf(':')
  if (colon <= 0 || host.endsWith(']')) return false
  const name = host.slice(0, colon).toLowerCase()
  const p = host.slice(colon + 1)
  if (!LOOPBACK_HOSTS.includes(name) || !/^[0-9]{1,5}$/.test(p)) return false
  return port === undefined || Number(p) === port
}
