// Sharing bound to the networks the owner shared on. Turning sharing on remembers the
// network it was turned on for; on any other network the LAN listener pauses by itself
// (no port open, no mDNS advertisement) until the machine is back on a remembered network
// or the owner says "Share on this network", which remembers that one too.
import { EventEmitter } from 'node:events'
import type { RememberedNetwork } from '../config/schema.js'
import type { NetworkInfo, NetworkProbe } from './probe.js'

/** How often the network is read: a laptop that wakes on a new network pauses within this. */
export const NETWORK_CHECK_INTERVAL_MS = 2_000

export interface NetworkState {
  /** Sharing is bound to remembered networks (the desktop app, or `serve --network-bound`). */
  bound: boolean
  /** The network this machine is on now; null when on none. */
  current: (NetworkInfo & { label: string }) | null
  /** The current network is a remembered one. */
  known: boolean
  /** Sharing is paused because of the network (the owner's own switch may still be on). */
  paused: boolean
  /** Why it is paused, in words for the tray and the UI; null when not paused. */
  reason: string | null
  remembered: RememberedNetwork[]
}

export interface NetworkBindingOptions {
  probe: NetworkProbe
  bound: () => boolean
  /** The owner's switch: a network only pauses sharing the owner wants on. */
  wanted: () => boolean
  remembered: () => RememberedNetwork[]
  intervalMs?: number
}

/** `192.168.1.0/24 via 192.168.1.1`: how a network is named to people. */
export function networkLabel(n: { subnet: string; gateway: string }): string {
  return n.gateway ? `${n.subnet} via ${n.gateway}` : n.subnet
}

/** A stable id for a network: its subnet and gateway. */
export function networkId(n: { subnet: string; gateway: string }): string {
  return `${n.subnet}@${n.gateway || 'none'}`
}

/** The same network: same subnet and gateway, and the same gateway box when both know it. */
export function sameNetwork(r: RememberedNetwork, n: NetworkInfo): boolean {
  if (r.subnet !== n.subnet || r.gateway !== n.gateway) return false
  return !r.gatewayMac || !n.gatewayMac || r.gatewayMac === n.gatewayMac
}

export function rememberedFor(n: NetworkInfo, now: number): RememberedNetwork {
  return {
    id: networkId(n),
    subnet: n.subnet,
    gateway: n.gateway,
    gatewayMac: n.gatewayMac,
    label: networkLabel(n),
    addedAt: new Date(now).toISOString(),
  }
}

export class NetworkBinding extends EventEmitter<{ change: [NetworkState] }> {
  private current: NetworkInfo | null = null
  /** The last network seen, kept while on none (a Wi-Fi gap is not a new network). */
  private lastSeen: NetworkInfo | null = null
  private timer: NodeJS.Timeout | null = null
  private lastKey = ''

  constructor(private readonly opts: NetworkBindingOptions) {
    super()
    this.check()
  }

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => this.check(), this.opts.intervalMs ?? NETWORK_CHECK_INTERVAL_MS)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /** Read the network now; emits 'change' when what it decides changed. */
  check(): NetworkState {
    let seen: NetworkInfo | null
    try {
      seen = this.opts.probe()
    } catch {
      seen = null
    }
    this.current = seen
    if (seen) this.lastSeen = seen
    const state = this.state()
    const key = JSON.stringify([state.current, state.paused, state.bound, state.known])
    if (key !== this.lastKey) {
      this.lastKey = key
      this.emit('change', state)
    }
    return state
  }

  /** The network to remember when the owner turns sharing on here; null when on none. */
  network(): NetworkInfo | null {
    return this.current ?? this.lastSeen
  }

  /** Whether the LAN listener may run on the network this machine is on now. */
  allows(): boolean {
    return !this.state().paused
  }

  state(): NetworkState {
    const bound = this.opts.bound()
    const remembered = this.opts.remembered()
    const net = this.network()
    const known = net !== null && remembered.some((r) => sameNetwork(r, net))
    // On no network at all nothing is reachable; deciding waits for the next network.
    const paused = bound && this.opts.wanted() && net !== null && !known
    return {
      bound,
      current: this.current ? { ...this.current, label: networkLabel(this.current) } : null,
      known,
      paused,
      reason: paused
        ? `Sharing is paused: this is a network you have not shared on (${networkLabel(net)}).`
        : null,
      remembered,
    }
  }
}
