const UNIT_MS = { s: 1e3, m: 60e3, h: 3_600e3, d: 86_400e3, w: 604_800e3 } as const

/** `1h`, `30m`, `7d` (ago), an ISO date, or epoch ms → epoch ms. */
export function parseSince(input: string, now: number): number {
  const v = input.trim()
  const m = /^(\d+)\s*([smhdw])$/i.exec(v)
  if (m) return now - Number(m[1]) * UNIT_MS[m[2]!.toLowerCase() as keyof typeof UNIT_MS]
  if (/^\d{10,}$/.test(v)) return Number(v)
  const d = Date.parse(v)
  if (Number.isNaN(d)) throw new Error(`cannot read "${input}" as a time (1h, 30m, 7d, or a date)`)
  return d
}
