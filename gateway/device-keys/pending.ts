// Devices that signed a request with a key nobody enrolled: they wait here, in memory,
// for the owner to allow or deny them. Anyone on the LAN can make new keys at will, so
// the list is bounded in total and per address, and every string is bounded and printable.
import crypto from 'node:crypto'
import { printable } from './ssh-key.js'

export const MAX_PENDING = 32
export const MAX_PENDING_PER_ADDRESS = 4
const MAX_CLIENT = 80

export interface PendingDevice {
  /** Short, stable id derived from the fingerprint (`corral devices approve ID`). */
  id: string
  publicKey: string
  fingerprint: string
  /** `ollama 0.13.1 (amd64 linux)`, from the User-Agent; '' when it was not the CLI's. */
  client: string
  address: string
  firstSeen: number
  lastSeen: number
  /** Signed requests refused while waiting. */
  attempts: number
}

/** The id people type: `d` + the first 10 characters of the fingerprint's hash, URL-safe. */
export function deviceId(fingerprint: string): string {
  return 'd' + crypto.hash('sha256', fingerprint, 'base64url').slice(0, 10)
}

/** `ollama/0.13.1 (amd64 linux) Go/go1.24.1` -> `ollama 0.13.1 (amd64 linux)`. */
export function clientOf(userAgent: string | undefined): string {
  if (!userAgent) return ''
  const m = /^ollama\/([0-9A-Za-z.+-]{1,40}) \(([a-z0-9_]{1,20}) ([a-z0-9_]{1,20})\)/.exec(
    userAgent,
  )
  if (m) return `ollama ${m[1]} (${m[2]} ${m[3]})`
  return printable(userAgent).slice(0, MAX_CLIENT)
}

/** How a pending device is shown to the owner: `ollama 0.13.1 (amd64 linux) on 192.168.1.23`. */
export function labelOf(d: { client: string; address: string }): string {
  return d.client ? `${d.client} on ${d.address}` : `a device on ${d.address}`
}

export class PendingDevices {
  private readonly byFingerprint = new Map<string, PendingDevice>()

  /** Note a refused request; returns the entry and whether it is new (the owner is told once). */
  note(
    input: {
      publicKey: string
      fingerprint: string
      userAgent: string | undefined
      address: string
    },
    now: number,
  ): { device: PendingDevice; isNew: boolean } {
    const known = this.byFingerprint.get(input.fingerprint)
    if (known) {
      known.lastSeen = now
      known.attempts += 1
      known.address = printable(input.address).slice(0, 64)
      return { device: known, isNew: false }
    }
    const address = printable(input.address).slice(0, 64)
    const fromHere = [...this.byFingerprint.values()].filter((d) => d.address === address)
    if (fromHere.length >= MAX_PENDING_PER_ADDRESS) this.drop(oldest(fromHere))
    if (this.byFingerprint.size >= MAX_PENDING) this.drop(oldest([...this.byFingerprint.values()]))
    const device: PendingDevice = {
      id: deviceId(input.fingerprint),
      publicKey: input.publicKey,
      fingerprint: input.fingerprint,
      client: clientOf(input.userAgent),
      address,
      firstSeen: now,
      lastSeen: now,
      attempts: 1,
    }
    this.byFingerprint.set(input.fingerprint, device)
    return { device, isNew: true }
  }

  list(): PendingDevice[] {
    return [...this.byFingerprint.values()].sort((a, b) => b.lastSeen - a.lastSeen)
  }

  /** By id or fingerprint. */
  find(idOrFingerprint: string): PendingDevice | null {
    for (const d of this.byFingerprint.values()) {
      if (d.id === idOrFingerprint || d.fingerprint === idOrFingerprint) return d
    }
    return null
  }

  remove(fingerprint: string): boolean {
    return this.byFingerprint.delete(fingerprint)
  }

  private drop(d: PendingDevice | undefined): void {
    if (d) this.byFingerprint.delete(d.fingerprint)
  }
}

function oldest(list: PendingDevice[]): PendingDevice | undefined {
  return list.reduce<PendingDevice | undefined>(
    (a, b) => (a === undefined || b.lastSeen < a.lastSeen ? b : a),
    undefined,
  )
}
