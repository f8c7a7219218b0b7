// Writes a batch of records: the raw rows, the per-minute rollups and each key's last
// use, all in one transaction, so a crash leaves either the whole batch or none of it.
import type { Database } from 'better-sqlite3'
import { isErrorRecord, OUTCOMES, type Outcome, type RequestRecord } from './record.js'

export const MINUTE_MS = 60_000

/** The start of the minute `ts` falls in. */
export const minuteOf = (ts: number): number => Math.floor(ts / MINUTE_MS) * MINUTE_MS

interface RollupRow {
  minute: number
  keyId: string
  backend: string
  model: string
  keyName: string | null
  requests: number
  errors: number
  promptTokens: number
  completionTokens: number
  durationMsSum: number
  ttfbMsSum: number
  ttfbCount: number
  tpsSum: number
  tpsCount: number
  queued: number
  queueMsSum: number
  outcomes: Record<Outcome, number>
}

interface LastUse {
  keyId: string
  keyName: string | null
  lastUsedAt: number
  lastIp: string
}

/** Returns a function that writes one batch in one transaction (throws on failure). */
export function createBatchWriter(db: Database): (batch: readonly RequestRecord[]) => void {
  const insertRequest = db.prepare(`
    INSERT INTO requests (ts, key_id, key_name, client_ip, backend, model, method, path, status,
      duration_ms, ttfb_ms, prompt_tokens, completion_tokens, tokens_per_second, queued, queue_ms,
      outcome)
    VALUES (@ts, @keyId, @keyName, @clientIp, @backend, @model, @method, @path, @status,
      @durationMs, @ttfbMs, @promptTokens, @completionTokens, @tokensPerSecond, @queued, @queueMs,
      @outcome)`)
  const upsertRollup = db.prepare(`
    INSERT INTO rollup_minute (minute, key_id, backend, model, key_name, requests, errors,
      prompt_tokens, completion_tokens, duration_ms_sum, ttfb_ms_sum, ttfb_count, tps_sum,
      tps_count, queued, queue_ms_sum, done, client_aborted, backend_error, limited, refused)
    VALUES (@minute, @keyId, @backend, @model, @keyName, @requests, @errors, @promptTokens,
      @completionTokens, @durationMsSum, @ttfbMsSum, @ttfbCount, @tpsSum, @tpsCount, @queued,
      @queueMsSum, @done, @client_aborted, @backend_error, @limited, @refused)
    ON CONFLICT (minute, key_id, backend, model) DO UPDATE SET
      key_name = coalesce(excluded.key_name, key_name),
      requests = requests + excluded.requests,
      errors = errors + excluded.errors,
      prompt_tokens = prompt_tokens + excluded.prompt_tokens,
      completion_tokens = completion_tokens + excluded.completion_tokens,
      duration_ms_sum = duration_ms_sum + excluded.duration_ms_sum,
      ttfb_ms_sum = ttfb_ms_sum + excluded.ttfb_ms_sum,
      ttfb_count = ttfb_count + excluded.ttfb_count,
      tps_sum = tps_sum + excluded.tps_sum,
      tps_count = tps_count + excluded.tps_count,
      queued = queued + excluded.queued,
      queue_ms_sum = queue_ms_sum + excluded.queue_ms_sum,
      done = done + excluded.done,
      client_aborted = client_aborted + excluded.client_aborted,
      backend_error = backend_error + excluded.backend_error,
      limited = limited + excluded.limited,
      refused = refused + excluded.refused`)
  const upsertLastUse = db.prepare(`
    INSERT INTO key_last_used (key_id, key_name, last_used_at, last_ip)
    VALUES (@keyId, @keyName, @lastUsedAt, @lastIp)
    ON CONFLICT (key_id) DO UPDATE SET
      key_name = excluded.key_name, last_used_at = excluded.last_used_at, last_ip = excluded.last_ip
    WHERE excluded.last_used_at >= key_last_used.last_used_at`)

  return db.transaction((batch: readonly RequestRecord[]) => {
    for (const record of batch) insertRequest.run({ ...record, queued: record.queued ? 1 : 0 })
    for (const row of rollUp(batch)) upsertRollup.run({ ...row, ...row.outcomes })
    for (const use of lastUses(batch)) upsertLastUse.run(use)
  })
}

/** Aggregates a batch per minute × key × backend × model. */
function rollUp(batch: readonly RequestRecord[]): Iterable<RollupRow> {
  const rows = new Map<string, RollupRow>()
  for (const r of batch) {
    const minute = minuteOf(r.ts)
    const keyId = r.keyId ?? ''
    const backend = r.backend ?? ''
    const model = r.model ?? ''
    const id = `${minute}\u0000${keyId}\u0000${backend}\u0000${model}`
    let row = rows.get(id)
    if (row === undefined) {
      row = emptyRollup(minute, keyId, backend, model)
      rows.set(id, row)
    }
    if (r.keyName !== null) row.keyName = r.keyName
    row.requests++
    if (isErrorRecord(r)) row.errors++
    row.promptTokens += r.promptTokens ?? 0
    row.completionTokens += r.completionTokens ?? 0
    row.durationMsSum += r.durationMs
    if (r.ttfbMs !== null) {
      row.ttfbMsSum += r.ttfbMs
      row.ttfbCount++
    }
    if (r.tokensPerSecond !== null) {
      row.tpsSum += r.tokensPerSecond
      row.tpsCount++
    }
    if (r.queued) {
      row.queued++
      row.queueMsSum += r.queueMs
    }
    row.outcomes[r.outcome]++
  }
  return rows.values()
}

function emptyRollup(minute: number, keyId: string, backend: string, model: string): RollupRow {
  const outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>
  return {
    minute,
    keyId,
    backend,
    model,
    keyName: null,
    requests: 0,
    errors: 0,
    promptTokens: 0,
    completionTokens: 0,
    durationMsSum: 0,
    ttfbMsSum: 0,
    ttfbCount: 0,
    tpsSum: 0,
    tpsCount: 0,
    queued: 0,
    queueMsSum: 0,
    outcomes,
  }
}

/** The latest use of each key in a batch. */
function lastUses(batch: readonly RequestRecord[]): Iterable<LastUse> {
  const uses = new Map<string, LastUse>()
  for (const r of batch) {
    if (r.keyId === null) continue
    const known = uses.get(r.keyId)
    if (known === undefined || r.ts >= known.lastUsedAt) {
      uses.set(r.keyId, {
        keyId: r.keyId,
        keyName: r.keyName,
        lastUsedAt: r.ts,
        lastIp: r.clientIp,
      })
    }
  }
  return uses.values()
}
