// A network a test gateway can be on (gateway/network/probe.ts): the office Wi-Fi, with its
// router's address and MAC, which network-bound sharing remembers.
import type { NetworkInfo } from '../../gateway/network/probe.js'

export const OFFICE: NetworkInfo = {
  iface: 'wlan0',
  family: 'IPv4',
  address: '192.168.1.20',
  subnet: '192.168.1.0/24',
  gateway: '192.168.1.1',
  gatewayMac: 'aa:bb:cc:00:00:01',
}
