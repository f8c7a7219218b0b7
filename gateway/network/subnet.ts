// `192.168.1.20/24` → `192.168.1.0/24`; `fd00::2/64` → `fd00::/64`.
import net from 'node:net'

export function subnetOf(cidr: string): string {
  const [address = '', bitsText = ''] = cidr.split('/')
  const bits = Number(bitsText)
  if (net.isIPv4(address)) {
    const n = address.split('.').reduce((acc, o) => acc * 256 + Number(o), 0)
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
    const base = (n & mask) >>> 0
    return `${[24, 16, 8, 0].map((s) => (base >>> s) & 0xff).join('.')}/${bits}`
  }
  if (net.isIPv6(address)) {
    const sl = new net.SocketAddress({ address, family: 'ipv6' })
    const groups = expandIpv6(sl.address)
    const out: number[] = groups.map((g, i) => {
      const keep = Math.max(0, Math.min(16, bits - i * 16))
      return keep === 0 ? 0 : g & ((0xffff << (16 - keep)) & 0xffff)
    })
    const text = out.map((g) => g.toString(16)).join(':')
    return `${new URL(`http://[${text}]/`).hostname.slice(1, -1)}/${bits}`
  }
  return cidr
}

function expandIpv6(address: string): number[] {
  const [head = '', tail = ''] = address.split('::')
  const h = head ? head.split(':') : []
  const t = address.includes('::') ? (tail ? tail.split(':') : []) : []
  const fill = address.includes('::') ? 8 - h.length - t.length : 0
  return [...h, ...Array<string>(fill).fill('0'), ...t].map((g) => parseInt(g || '0', 16))
}
