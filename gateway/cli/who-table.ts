// The `corral who` table: one row per key with work in flight or waiting, columns named for
// what they count, then the pauses of idle keys and a key to the columns.
import type { Activity, ActivityRow } from '../owner/activity.js'
import { table } from './format.js'

/** Headers in reading order: who, from where, on what, how much, how long, how fast, paused. */
export const WHO_HEADERS = [
  'KEY',
  'DEVICE',
  'MODEL',
  'RUNNING',
  'QUEUED',
  'FOR',
  'TOK/S',
  'PAUSED',
] as const

/** A row's devices: the first one with its program, then how many more (the column stays narrow). */
function devices(row: ActivityRow): string {
  const [first, ...more] = row.devices
  if (first === undefined) return '-'
  const ua = first.userAgent ? ` (${first.userAgent.slice(0, 30)})` : ''
  return `${first.ip}${ua}${more.length > 0 ? ` +${more.length} more` : ''}`
}

/** `14:05` today, `2026-12-08 14:05` another day (local time): short enough for a cell. */
export function shortTime(iso: string, now: Date = new Date()): string {
  const d = new Date(iso)
  const pad = (n: number) => String(n).padStart(2, '0')
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`
  if (d.toDateString() === now.toDateString()) return hm
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`
}

/** The PAUSED cell: `-`, `until 14:05`, `until resumed`; `, waiting` when its requests queue. */
function pausedCell(row: ActivityRow, now: Date): string {
  if (row.paused === null) return '-'
  const until =
    row.paused.until === null ? 'until resumed' : `until ${shortTime(row.paused.until, now)}`
  return row.paused.queue ? `${until}, waiting` : until
}

/** `42s`, `3m 05s`, `1h 02m`. */
export function elapsed(ms: number): string {
  const s = Math.floor(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
}

export function whoRows(a: Activity): string {
  const now = new Date(a.ts)
  return table(
    [...WHO_HEADERS],
    a.keys.map((k) => [
      k.own ? `${k.keyName} (yours)` : k.keyName,
      devices(k),
      k.models.join(', ') || '-',
      String(k.running),
      String(k.queued),
      elapsed(k.runningMs),
      k.tokensPerSecond === null ? '-' : k.tokensPerSecond.toFixed(1),
      pausedCell(k, now),
    ]),
  )
}

/** What the columns count, printed under the table. */
export const WHO_LEGEND =
  'RUNNING: requests the GPU is answering now; QUEUED: waiting their turn; FOR: since the oldest began; TOK/S: tokens generated per second now.'
