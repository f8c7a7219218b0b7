// Which network this machine is on, as a signal that changes when the laptop moves: the
// subnet of the address on the default route's interface plus the default gateway's address
// (and, when the kernel knows it, the gateway's MAC: two home routers both at 192.168.1.1/24
// are different boxes). Linux reads the routing table in /proc/net; elsewhere only the
// interface's subnet is known, which still tells an office from most hotel networks.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArpMac, parseIpv4Routes, parseIpv6Routes, type DefaultRoute } from './route-table.js'
import { subnetOf } from './subnet.js'

export interface NetworkInfo {
  /** The interface carrying the default route (or the LAN address when there is none). */
  iface: string
  family: 'IPv4' | 'IPv6'
  /** This machine's address on that interface. */
  address: string
  /** Its subnet, e.g. `192.168.1.0/24`. */
  subnet: string
  /** The default gateway's address; '' on a network without one. */
  gateway: string
  /** The default gateway's MAC address; '' when unknown. */
  gatewayMac: string
}

/** Reads the network now; null when this machine is on no network at all. */
export type NetworkProbe = () => NetworkInfo | null

type Interfaces = ReturnType<typeof os.networkInterfaces>

export interface ProbeSources {
  /** Where /proc is (tests point it at fixture files). */
  procDir?: string
  interfaces?: () => Interfaces
  platform?: NodeJS.Platform
}

export function createNetworkProbe(sources: ProbeSources = {}): NetworkProbe {
  const procDir = sources.procDir ?? '/proc'
  const interfaces = sources.interfaces ?? os.networkInterfaces
  const linux = (sources.platform ?? process.platform) === 'linux'
  const read = (name: string) => {
    try {
      return fs.readFileSync(path.join(procDir, 'net', name), 'utf8')
    } catch {
      return ''
    }
  }
  return () => {
    const ifaces = interfaces()
    if (linux) {
      const routes = [...parseIpv4Routes(read('route')), ...parseIpv6Routes(read('ipv6_route'))]
      for (const route of routes) {
        const info = onRoute(route, ifaces)
        if (!info) continue
        if (info.gateway && info.family === 'IPv4') {
          info.gatewayMac = parseArpMac(read('arp'), info.gateway, info.iface)
        }
        return info
      }
    }
    return firstLanAddress(ifaces)
  }
}

/** The default route's interface address and subnet, in the route's family. */
function onRoute(route: DefaultRoute, ifaces: Interfaces): NetworkInfo | null {
  const addrs = (ifaces[route.iface] ?? []).filter(
    (a) => a.family === route.family && !a.internal && !/^fe[89ab]/i.test(a.address),
  )
  const a = addrs[0]
  if (!a?.cidr) return null
  return {
    iface: route.iface,
    family: route.family,
    address: a.address,
    subnet: subnetOf(a.cidr),
    gateway: route.gateway,
    gatewayMac: '',
  }
}

/** No routing table (or no default route): the first LAN IPv4 address's subnet. */
function firstLanAddress(ifaces: Interfaces): NetworkInfo | null {
  for (const [iface, addrs] of Object.entries(ifaces)) {
    for (const a of addrs ?? []) {
      if (a.internal || a.family !== 'IPv4' || !a.cidr || a.address.startsWith('169.254.')) continue
      return {
        iface,
        family: 'IPv4',
        address: a.address,
        subnet: subnetOf(a.cidr),
        gateway: '',
        gatewayMac: '',
      }
    }
  }
  return null
}
