// API keys: made here, stored only as SHA-256, looked up by hash.
import crypto from 'node:crypto'
import type { KeyRecord, Scope } from '../config/schema.js'

export const KEY_PREFIX = 'crl_'
const KEY_BYTES = 32
/** Characters of a key kept in config for people to tell keys apart. */
const DISPLAY_PREFIX_CHARS = 8

export function generateKey(random: (n: number) => Buffer = crypto.randomBytes): string {
  return KEY_PREFIX + random(KEY_BYTES).toString('base64url')
}

export function hashKey(key: string): string {
  return crypto.hash('sha256', key, 'hex')
}

export function displayPrefix(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_CHARS)
}

/** A key as the hot path needs it: hash bytes for the constant-time compare, dates as numbers. */
export interface CompiledKey {
  record: KeyRecord
  hash: Buffer
  scopes: ReadonlySet<Scope>
  expiresAtMs: number | null
  revoked: boolean
  /** Neither revoked nor expired at `now`. */
  usable(now: number): boolean
}

export type KeyCheck =
  | { ok: true; key: CompiledKey }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' }
  /**
   * A guest key past its end. Guest keys are made to expire (the QR code said until when), so
   * their holder is told; an ordinary expired key stays 'expired', answered as an unknown one.
   */
  | { ok: false; reason: 'guest-expired'; expiresAt: string }

/** All keys of one config, indexed by hash; rebuilt when the config changes. */
export class KeyIndex {
  private readonly byHash = new Map<string, CompiledKey>()
  private readonly byIdMap = new Map<string, CompiledKey>()

  constructor(records: readonly KeyRecord[]) {
    for (const record of records) {
      const expiresAtMs = record.expiresAt ? Date.parse(record.expiresAt) : null
      const revoked = record.revokedAt !== null
      const compiled: CompiledKey = {
        record,
        hash: Buffer.from(record.hash, 'hex'),
        scopes: new Set(record.scopes),
        expiresAtMs,
        revoked,
        usable: (now) => !revoked && (expiresAtMs === null || expiresAtMs > now),
      }
      this.byHash.set(record.hash, compiled)
      this.byIdMap.set(record.id, compiled)
    }
  }

  /** A key by its id (a device key names the key it belongs to). */
  byId(id: string): CompiledKey | undefined {
    return this.byIdMap.get(id)
  }

  get size(): number {
    return this.byHash.size
  }

  /** Active keys: neither revoked nor expired at `now`. */
  activeCount(now: number): number {
    let n = 0
    for (const k of this.byHash.values()) {
      if (!k.revoked && (k.expiresAtMs === null || k.expiresAtMs > now)) n += 1
    }
    return n
  }

  /**
   * Find a presented key. The look-up is by hash, so the time it takes does not
   * depend on how much of a secret matches; the final compare is constant-time.
   */
  check(presented: string, now: number): KeyCheck {
    // One-shot hashing to hex: a fraction of the cost of createHash().update().digest().
    const hex = crypto.hash('sha256', presented, 'hex')
    const found = this.byHash.get(hex)
    if (!found || !crypto.timingSafeEqual(found.hash, Buffer.from(hex, 'hex'))) {
      return { ok: false, reason: 'unknown' }
    }
    if (found.revoked) return { ok: false, reason: 'revoked' }
    if (found.expiresAtMs !== null && found.expiresAtMs <= now) {
      if (found.record.guest && found.record.expiresAt !== null) {
        return { ok: false, reason: 'guest-expired', expiresAt: found.record.expiresAt }
      }
      return { ok: false, reason: 'expired' }
    }
    return { ok: true, key: found }
  }
}

/** Parse `7d`, `12h`, `30m`, `90s` or an ISO date into an absolute expiry. */
export function parseExpiry(input: string, now: Date): Date {
  const m = /^(\d+)\s*([smhdw])$/i.exec(input.trim())
  if (m) {
    const n = Number(m[1])
    const unitMs = { s: 1e3, m: 60e3, h: 3600e3, d: 86_400e3, w: 604_800e3 }[
      m[2]!.toLowerCase() as 's' | 'm' | 'h' | 'd' | 'w'
    ]
    return new Date(now.getTime() + n * unitMs)
  }
  const d = new Date(input)
  if (Number.isNaN(d.getTime())) {
    throw new Error(`cannot read "${input}" as a duration (7d, 12h, 30m) or a date`)
  }
  return d
}
