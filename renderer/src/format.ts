// Numbers, times and sizes as people read them.

const SECOND_MS = 1000
const MINUTE_MS = 60 * SECOND_MS
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** 0.4 → "0.4", 12.34 → "12", 1234 → "1.2k". */
export function formatRate(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '0'
  if (n < 10) return trimZero(n.toFixed(1))
  if (n < 1000) return String(Math.round(n))
  return formatCount(n)
}

/** 950 → "950", 12_345 → "12.3k", 2_500_000 → "2.5M". */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–'
  const abs = Math.abs(n)
  if (abs < 1000) return String(Math.round(n))
  if (abs < 1e6) return `${trimZero((n / 1e3).toFixed(abs < 1e5 ? 1 : 0))}k`
  if (abs < 1e9) return `${trimZero((n / 1e6).toFixed(1))}M`
  return `${trimZero((n / 1e9).toFixed(1))}B`
}

/** 85 → "85 ms", 1530 → "1.5 s", 95_000 → "1 min 35 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–'
  if (ms < SECOND_MS) return `${Math.round(ms)} ms`
  if (ms < MINUTE_MS) return `${trimZero((ms / SECOND_MS).toFixed(1))} s`
  const min = Math.floor(ms / MINUTE_MS)
  const s = Math.round((ms % MINUTE_MS) / SECOND_MS)
  return s ? `${min} min ${s} s` : `${min} min`
}

/** Bytes → "1.2 GB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–'
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = n
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return `${i === 0 ? v : trimZero(v.toFixed(1))} ${units[i]}`
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", or a date. */
export function formatAgo(ts: number | null | undefined, now = Date.now()): string {
  if (ts === null || ts === undefined) return 'never'
  const d = now - ts
  if (d < 45 * SECOND_MS) return 'just now'
  if (d < HOUR_MS) return `${Math.round(d / MINUTE_MS)} min ago`
  if (d < DAY_MS) return `${Math.round(d / HOUR_MS)} h ago`
  if (d < 30 * DAY_MS) {
    const days = Math.round(d / DAY_MS)
    return `${days} day${days === 1 ? '' : 's'} ago`
  }
  return new Date(ts).toLocaleDateString()
}

/** A time of day for tables: "14:05:09". */
export function formatClock(ts: number): string {
  return new Date(ts).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  })
}

/** A date and time for expiry: "12 Mar 2026, 14:05". */
export function formatDate(iso: string | number): string {
  return new Date(iso).toLocaleString([], {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  })
}

function trimZero(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s
}
