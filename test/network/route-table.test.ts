// The network probe reads Linux's routing table: fixture files for the cases a laptop meets,
// and this machine's real /proc checked against what `ip route` says.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { execFileSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'
import { parseArpMac, parseIpv4Routes, parseIpv6Routes } from '../../gateway/network/route-table.js'
import { createNetworkProbe } from '../../gateway/network/probe.js'
import { subnetOf } from '../../gateway/network/subnet.js'

const ROUTE_HEADER =
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT'
// A laptop on Wi-Fi (metric 600) with a docked Ethernet (metric 100) and a VPN's split routes.
const LAPTOP_ROUTE = [
  ROUTE_HEADER,
  'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0',
  'eth0\t00000000\t01000A0A\t0003\t0\t0\t100\t00000000\t0\t0\t0',
  'wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\t0\t0\t0',
  'tun0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0',
].join('\n')
const ARP = [
  'IP address       HW type     Flags       HW address            Mask     Device',
  '192.168.1.1      0x1         0x2         AA:BB:CC:00:11:22     *        wlan0',
  '10.10.0.1        0x1         0x2         02:00:00:00:00:01     *        eth0',
  '192.168.1.77     0x1         0x0         00:00:00:00:00:00     *        wlan0',
].join('\n')
const IPV6_ROUTE = [
  'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000003 00000000 00000003     eth0',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo',
].join('\n')

describe('/proc/net/route', () => {
  test('default routes come out lowest metric first, addresses in host byte order', () => {
    expect(parseIpv4Routes(LAPTOP_ROUTE, 'LE')).toEqual([
      { iface: 'eth0', gateway: '10.10.0.1', metric: 100, family: 'IPv4' },
      { iface: 'wlan0', gateway: '192.168.1.1', metric: 600, family: 'IPv4' },
    ])
  })

  test('a big-endian machine prints the address the other way round', () => {
    const be = [ROUTE_HEADER, 'eth0\t00000000\tC0A80101\t0003\t0\t0\t0\t00000000\t0\t0\t0'].join(
      '\n',
    )
    expect(parseIpv4Routes(be, 'BE')[0]?.gateway).toBe('192.168.1.1')
  })

  test('a route that is down, a reject route and a header-only file give no default route', () => {
    const text = [
      ROUTE_HEADER,
      'eth0\t00000000\t0101A8C0\t0002\t0\t0\t0\t00000000\t0\t0\t0',
      'lo\t00000000\t00000000\t0201\t0\t0\t0\t00000000\t0\t0\t0',
    ].join('\n')
    expect(parseIpv4Routes(text, 'LE')).toEqual([])
    expect(parseIpv4Routes(ROUTE_HEADER, 'LE')).toEqual([])
    expect(parseIpv4Routes('', 'LE')).toEqual([])
  })
})

describe('/proc/net/ipv6_route and /proc/net/arp', () => {
  test('the IPv6 default route and its next hop, without the loopback reject route', () => {
    expect(parseIpv6Routes(IPV6_ROUTE)).toEqual([
      { iface: 'eth0', gateway: 'fe80::1', metric: 0x400, family: 'IPv6' },
    ])
  })

  test("the gateway's MAC from a complete entry only, on the route's interface", () => {
    expect(parseArpMac(ARP, '192.168.1.1', 'wlan0')).toBe('aa:bb:cc:00:11:22')
    expect(parseArpMac(ARP, '192.168.1.1', 'eth0')).toBe('')
    expect(parseArpMac(ARP, '192.168.1.77', 'wlan0')).toBe('')
  })
})

describe('the probe over fixture files', () => {
  const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-proc-'))
  fs.mkdirSync(path.join(proc, 'net'))
  fs.writeFileSync(path.join(proc, 'net', 'route'), LAPTOP_ROUTE)
  fs.writeFileSync(path.join(proc, 'net', 'arp'), ARP)
  fs.writeFileSync(path.join(proc, 'net', 'ipv6_route'), IPV6_ROUTE)
  const iface = (address: string, cidr: string): os.NetworkInterfaceInfo => ({
    address,
    cidr,
    family: 'IPv4',
    netmask: '',
    mac: '02:00:00:00:00:09',
    internal: false,
  })

  test('takes the preferred default route: its subnet, gateway and gateway MAC', () => {
    const probe = createNetworkProbe({
      procDir: proc,
      platform: 'linux',
      interfaces: () => ({
        wlan0: [iface('192.168.1.23', '192.168.1.23/24')],
        eth0: [iface('10.10.3.4', '10.10.3.4/16')],
      }),
    })
    expect(probe()).toEqual({
      iface: 'eth0',
      family: 'IPv4',
      address: '10.10.3.4',
      subnet: '10.10.0.0/16',
      gateway: '10.10.0.1',
      gatewayMac: '02:00:00:00:00:01',
    })
  })

  test('an interface without an address falls to the next default route', () => {
    const probe = createNetworkProbe({
      procDir: proc,
      platform: 'linux',
      interfaces: () => ({ wlan0: [iface('192.168.1.23', '192.168.1.23/24')] }),
    })
    expect(probe()).toMatchObject({
      iface: 'wlan0',
      subnet: '192.168.1.0/24',
      gateway: '192.168.1.1',
    })
  })

  test('without a routing table (macOS, Windows): the first LAN address, no gateway', () => {
    const probe = createNetworkProbe({
      platform: 'darwin',
      interfaces: () => ({ en0: [iface('172.20.1.9', '172.20.1.9/20')] }),
    })
    expect(probe()).toEqual({
      iface: 'en0',
      family: 'IPv4',
      address: '172.20.1.9',
      subnet: '172.20.0.0/20',
      gateway: '',
      gatewayMac: '',
    })
  })

  test('no network at all is null', () => {
    const probe = createNetworkProbe({ procDir: proc, platform: 'linux', interfaces: () => ({}) })
    expect(probe()).toBeNull()
  })

  test.each([
    ['192.168.1.23/24', '192.168.1.0/24'],
    ['10.1.2.3/8', '10.0.0.0/8'],
    ['192.168.1.200/25', '192.168.1.128/25'],
    ['fd00::2/64', 'fd00::/64'],
    ['2001:db8:abcd:12ff::1/56', '2001:db8:abcd:1200::/56'],
  ])('the subnet of %s is %s', (cidr, subnet) => {
    expect(subnetOf(cidr)).toBe(subnet)
  })
})

describe("this machine's real routing table", () => {
  const linux = process.platform === 'linux' && fs.existsSync('/proc/net/route')
  test.runIf(linux)('the probe finds the default route `ip route` reports', () => {
    const found = createNetworkProbe()()
    let ipRoute = ''
    try {
      ipRoute = execFileSync('ip', ['-4', 'route', 'show', 'default'], { encoding: 'utf8' })
    } catch {
      // No iproute2: compare with the kernel's table as text instead.
    }
    const m = /default via (\S+) dev (\S+)/.exec(ipRoute)
    if (m) {
      expect(found).toMatchObject({ gateway: m[1], iface: m[2], family: 'IPv4' })
    } else {
      const raw = fs.readFileSync('/proc/net/route', 'utf8')
      expect(raw).toContain(found?.iface ?? '<none>')
    }
    // Its address and subnet are those os.networkInterfaces() has for that interface.
    const addrs = os.networkInterfaces()[found!.iface] ?? []
    const mine = addrs.find((a) => a.address === found!.address)
    expect(mine).toBeDefined()
    expect(found!.subnet).toBe(subnetOf(mine!.cidr!))
  })
})
