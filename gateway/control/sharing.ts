/** The LAN listener as the control API and the tray see it. */
export interface Sharing {
  isOn(): boolean
  /** Start or stop the LAN listener (and the mDNS advertisement) without touching the control listener. */
  set(on: boolean): Promise<void>
  /** The gateway's URLs people on the LAN can use (one per interface). */
  urls(): string[]
  /** The connect page for a key, per LAN URL: what the QR code encodes. */
  connectUrls(key: string): string[]
}
