// The remembered networks in config.json (`network.remembered`): added when the owner turns
// sharing on (or says "Share on this network"), removed when the owner forgets one.
import type { Config } from '../config/schema.js'
import { rememberedFor, sameNetwork } from './binding.js'
import type { NetworkInfo } from './probe.js'

/** At most this many: the oldest is dropped first (a laptop that travels a lot). */
export const MAX_REMEMBERED_NETWORKS = 50

export function rememberNetwork(c: Config, n: NetworkInfo, now: number): void {
  const list = c.network.remembered
  const same = list.findIndex((r) => sameNetwork(r, n))
  if (same >= 0) {
    // Learn the gateway's MAC when it was not known the first time.
    const r = list[same]!
    if (!r.gatewayMac && n.gatewayMac) r.gatewayMac = n.gatewayMac
    return
  }
  list.push(rememberedFor(n, now))
  if (list.length > MAX_REMEMBERED_NETWORKS) list.splice(0, list.length - MAX_REMEMBERED_NETWORKS)
}

/** Returns false when no remembered network has that id. */
export function forgetNetwork(c: Config, id: string): boolean {
  const before = c.network.remembered.length
  c.network.remembered = c.network.remembered.filter((r) => r.id !== id)
  return c.network.remembered.length !== before
}
