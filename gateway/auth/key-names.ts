// Key names people can tell apart: a name in use by another working key is refused (409)
// on create and rename, and a guest key left unnamed gets one nobody has yet.
import type { Config, KeyRecord } from '../config/schema.js'

/** Neither revoked nor expired: a name is taken only by a key that still works. */
export function keyWorks(k: KeyRecord, now: number): boolean {
  return k.revokedAt === null && (k.expiresAt === null || Date.parse(k.expiresAt) > now)
}

const same = (a: string, b: string) =>
  a.localeCompare(b, undefined, { sensitivity: 'accent' }) === 0

/** The working key (other than `exceptId`) that has this name already, compared ignoring case. */
export function nameTakenBy(
  config: Config,
  name: string,
  now: number,
  exceptId: string | null = null,
): KeyRecord | null {
  return (
    config.keys.find((k) => k.id !== exceptId && keyWorks(k, now) && same(k.name, name)) ?? null
  )
}

/** "Guest 2026-12-07 10:30", then "… #2", "… #3" while the name is taken by any key. */
export function uniqueGuestName(config: Config, now: Date): string {
  const base = `Guest ${now.toISOString().slice(0, 16).replace('T', ' ')}`
  const used = (n: string) => config.keys.some((k) => same(k.name, n))
  if (!used(base)) return base
  for (let i = 2; ; i++) if (!used(`${base} #${i}`)) return `${base} #${i}`
}
