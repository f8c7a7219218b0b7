import type { TlsStatus } from '../tls/status.js'
import type { ConnectLinks } from '../tls/connect-links.js'
import type { NetworkState } from '../network/binding.js'

/** The LAN listener as the control API and the tray see it. */
export interface Sharing {
  isOn(): boolean
  /** Start or stop the LAN listener (and the mDNS advertisement) without touching the control listener. */
  set(on: boolean): Promise<void>
  /** The gateway's URLs people on the LAN can use (one per interface). */
  urls(): string[]
  /**
   * The connect page for a key, per LAN URL: what the QR code encodes. None while HTTPS is on
   * without a usable certificate (`problem` says so): never a key over plain http://.
   */
  connectLinks(key: string): ConnectLinks
  /** Stop and start the LAN listener again (new TLS settings); a no-op while sharing is off. */
  restart(): Promise<void>
  /** HTTPS: mode, fingerprint, errors and warnings. */
  tls(): TlsStatus
  /** The certificate the HTTPS listener serves (PEM, public), or null. */
  certificate(): string | null
  /** The network this machine is on, whether sharing is bound to remembered ones, paused. */
  network(): NetworkState
  /**
   * "Share on this network": remember it and resume a listener the network paused. Refused
   * (ControlError 409) while the owner has sharing off: it never turns sharing on.
   */
  shareHere(): Promise<void>
  /** Forget a remembered network (sharing pauses if it is the one this machine is on). */
  forgetNetwork(id: string): Promise<void>
}
