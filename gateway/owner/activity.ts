// "Who is using my GPU, right now": one row per key with work in flight or waiting,
// built from the in-flight registry and the fair queue's counts (never the stats database).
import type { Config, PauseRecord } from '../config/schema.js'
import type { InFlight } from './in-flight.js'
import { pauseActive } from './pauses.js'
import { boundModel } from '../untrusted/bounds.js'

export interface ActivityDevice {
  ip: string
  /** The client's User-Agent (what program it is), when it sent one. */
  userAgent: string | null
}

export interface ActivityRow {
  keyId: string
  keyName: string
  /** One of the owner's keys (spared by "pause everyone but me"). */
  own: boolean
  devices: ActivityDevice[]
  models: string[]
  /** Requests the backends are answering now. */
  running: number
  /** Requests waiting in the fair queue. */
  queued: number
  /** When the oldest of them began (epoch ms), and how long ago that is. */
  startedAt: number
  runningMs: number
  /** Generated tokens per second over the streams running now (content frames); null: none streams. */
  tokensPerSecond: number | null
  paused: PauseRecord | null
}

export interface KeyPause extends PauseRecord {
  keyId: string
  keyName: string
}

export interface Activity {
  ts: number
  keys: ActivityRow[]
  /** Keys paused now (idle ones too). */
  paused: KeyPause[]
  /** "Pause everyone but me", when on. */
  everyone: PauseRecord | null
  ownKeys: string[]
}

export function buildActivity(
  entries: Iterable<InFlight>,
  queuedByKey: ReadonlyMap<string, number>,
  config: Config,
  now: number,
): Activity {
  const names = new Map(config.keys.map((k) => [k.id, k.name]))
  const paused = config.owner.paused
    .filter((p) => pauseActive(p, now))
    .map((p) => ({ ...p, keyName: names.get(p.keyId) ?? p.keyId }))
  const pauseOf = new Map(paused.map((p) => [p.keyId, p]))
  const own = new Set(config.owner.ownKeys)
  const rows = new Map<string, ActivityRow & { tokens: number; streaming: boolean }>()
  const rowFor = (keyId: string, keyName: string, startedAt: number) => {
    let row = rows.get(keyId)
    if (!row) {
      const p = pauseOf.get(keyId)
      row = {
        keyId,
        keyName,
        own: own.has(keyId),
        devices: [],
        models: [],
        running: 0,
        queued: queuedByKey.get(keyId) ?? 0,
        startedAt,
        runningMs: 0,
        tokensPerSecond: null,
        paused: p ? { since: p.since, until: p.until, queue: p.queue } : null,
        tokens: 0,
        streaming: false,
      }
      rows.set(keyId, row)
    }
    return row
  }
  for (const entry of entries) {
    const s = entry.state
    const row = rowFor(entry.keyId, s.key?.record.name ?? entry.keyId, s.startedAt)
    row.startedAt = Math.min(row.startedAt, s.startedAt)
    const attached = entry.attached
    if (attached !== null) row.running++
    // The client's text as the owner sees it: Ollama's name grammar or a placeholder.
    const model = boundModel(s.model)
    if (model !== null && !row.models.includes(model)) row.models.push(model)
    if (!row.devices.some((d) => d.ip === s.clientIp && d.userAgent === entry.userAgent)) {
      row.devices.push({ ip: s.clientIp, userAgent: entry.userAgent })
    }
    const rate = streamRate(entry, now)
    if (rate !== null) {
      row.tokens += rate
      row.streaming = true
    }
  }
  for (const [keyId, queued] of queuedByKey) {
    if (queued > 0 && !rows.has(keyId)) rowFor(keyId, names.get(keyId) ?? keyId, now)
  }
  const keys = [...rows.values()]
    .map(({ tokens, streaming, ...row }) => ({
      ...row,
      runningMs: Math.max(0, now - row.startedAt),
      tokensPerSecond: streaming ? Math.round(tokens * 10) / 10 : null,
    }))
    .sort((a, b) => a.startedAt - b.startedAt)
  const everyone =
    config.owner.everyone !== null && pauseActive(config.owner.everyone, now)
      ? config.owner.everyone
      : null
  return { ts: now, keys, paused, everyone, ownKeys: [...config.owner.ownKeys] }
}

/** A stream's tokens (content frames) a second since its first byte; null: not a stream now. */
function streamRate(entry: InFlight, now: number): number | null {
  const s = entry.state
  if (entry.attached?.streaming !== true || s.ttfbMs === null) return null
  const seconds = Math.max(0.5, (now - s.startedAt - s.ttfbMs) / 1000)
  return entry.attached.chunks() / seconds
}

/** The tokens a second of every stream running now: the live rate the dashboard shows. */
export function streamingRate(entries: Iterable<InFlight>, now: number): number {
  let total = 0
  for (const entry of entries) total += streamRate(entry, now) ?? 0
  return total
}
