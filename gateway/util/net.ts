/** Is this peer address this machine (IPv4, IPv6 or IPv4-mapped loopback)? */
export function isLoopback(addr: string | undefined): boolean {
  return !!addr && (addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.'))
}
