// Read side of the stats store. Each query runs either on the raw `requests` rows
// (exact, with percentiles) or on `rollup_minute` (minute granularity) — the caller
// picks by whether the range still lies within the raw retention.
import type { Database, Statement } from 'better-sqlite3'
import { OUTCOMES, type Outcome } from './record.js'
import type {
  Aggregate,
  BreakdownBy,
  BreakdownRow,
  KeyUsage,
  RecentFilter,
  SeriesPoint,
  Source,
  StoredRecord,
  Totals,
} from './store-types.js'
import { MINUTE_MS, minuteOf } from './store-batch.mjs'

type Params = Record<string, number | string>
type Row = Record<string, number | string | null>

const GROUP_COLUMN: Record<BreakdownBy, string> = {
  key: 'key_id',
  backend: 'backend',
  model: 'model',
}

const RAW_AGGREGATES = `
  count(*) AS requests,
  coalesce(sum(status >= 400 OR outcome = 'backend_error'), 0) AS errors,
  coalesce(sum(prompt_tokens), 0) AS promptTokens,
  coalesce(sum(completion_tokens), 0) AS completionTokens,
  avg(duration_ms) AS avgDurationMs,
  avg(ttfb_ms) AS avgTtfbMs,
  avg(tokens_per_second) AS avgTokensPerSecond,
  coalesce(sum(queued), 0) AS queued,
  avg(CASE WHEN queued THEN queue_ms END) AS avgQueueMs,
  ${OUTCOMES.map((o) => `coalesce(sum(outcome = '${o}'), 0) AS ${o}`).join(', ')}`

const ROLLUP_AGGREGATES = `
  coalesce(sum(requests), 0) AS requests,
  coalesce(sum(errors), 0) AS errors,
  coalesce(sum(prompt_tokens), 0) AS promptTokens,
  coalesce(sum(completion_tokens), 0) AS completionTokens,
  sum(duration_ms_sum) / nullif(sum(requests), 0) AS avgDurationMs,
  sum(ttfb_ms_sum) / nullif(sum(ttfb_count), 0) AS avgTtfbMs,
  sum(tps_sum) / nullif(sum(tps_count), 0) AS avgTokensPerSecond,
  coalesce(sum(queued), 0) AS queued,
  sum(queue_ms_sum) / nullif(sum(queued), 0) AS avgQueueMs,
  ${OUTCOMES.map((o) => `coalesce(sum(${o}), 0) AS ${o}`).join(', ')}`

export class StatsQueries {
  private readonly statements = new Map<string, Statement>()

  constructor(private readonly db: Database) {}

  totals(source: Source, since: number, until: number, keyId?: string): Totals {
    const { where, params } = this.rangeWhere(source, since, until, keyId)
    const row = this.get(
      `SELECT ${source === 'raw' ? RAW_AGGREGATES : ROLLUP_AGGREGATES}
       FROM ${source === 'raw' ? 'requests' : 'rollup_minute'} WHERE ${where}`,
      params,
    )
    const totals: Totals = {
      since: source === 'raw' ? since : minuteOf(since),
      until,
      source,
      ...aggregate(row),
      outcomes: Object.fromEntries(
        OUTCOMES.map((o) => [o, Number(row[o] ?? 0)]),
      ) as Totals['outcomes'],
    }
    if (source === 'raw') Object.assign(totals, this.percentiles('0', where, params).get('0'))
    return totals
  }

  breakdown(source: Source, by: BreakdownBy, since: number, until: number, limit: number) {
    const column = GROUP_COLUMN[by]
    const { where, params } = this.rangeWhere(source, since, until)
    const group = source === 'raw' ? `coalesce(${column}, '')` : column
    // One max() makes SQLite take the bare key_name from the latest row of the group.
    const sql = `SELECT ${group} AS grp, ${by === 'key' ? 'key_name' : 'NULL'} AS name,
        max(${source === 'raw' ? 'ts' : 'minute'}) AS lastTs,
        ${source === 'raw' ? RAW_AGGREGATES : ROLLUP_AGGREGATES}
      FROM ${source === 'raw' ? 'requests' : 'rollup_minute'} WHERE ${where}
      GROUP BY grp ORDER BY requests DESC, grp LIMIT @limit`
    const rows = this.all(sql, { ...params, limit })
    const pct = source === 'raw' ? this.percentiles(group, where, params) : new Map()
    return rows.map((row): BreakdownRow => {
      const grp = String(row.grp ?? '')
      const name = typeof row.name === 'string' ? row.name : null
      return {
        group: grp,
        label: grp === '' ? '(none)' : (name ?? grp),
        lastTs: Number(row.lastTs),
        ...aggregate(row),
        ...pct.get(grp),
      }
    })
  }

  recent(limit: number, filter: RecentFilter = {}): StoredRecord[] {
    const clauses: string[] = []
    const params: Params = { limit }
    const add = (clause: string, name: string, value: string | number | undefined) => {
      if (value === undefined) return
      clauses.push(clause)
      params[name] = value
    }
    add('key_id = @keyId', 'keyId', filter.keyId)
    add('backend = @backend', 'backend', filter.backend)
    add('model = @model', 'model', filter.model)
    add('outcome = @outcome', 'outcome', filter.outcome)
    add('client_ip = @clientIp', 'clientIp', filter.clientIp)
    add('ts >= @since', 'since', filter.since)
    add('ts < @until', 'until', filter.until)
    add('id < @beforeId', 'beforeId', filter.beforeId)
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''
    return this.all(`SELECT * FROM requests ${where} ORDER BY id DESC LIMIT @limit`, params).map(
      toRecord,
    )
  }

  usageByKey(source: Source, since: number, until: number): Map<string, KeyUsage> {
    const { where, params } = this.rangeWhere(source, since, until)
    const table = source === 'raw' ? 'requests' : 'rollup_minute'
    const count = source === 'raw' ? 'count(*)' : 'sum(requests)'
    const usage = new Map<string, KeyUsage>()
    const rows = this.all(
      `SELECT key_id AS keyId, ${count} AS requests,
         coalesce(sum(prompt_tokens), 0) AS promptTokens,
         coalesce(sum(completion_tokens), 0) AS completionTokens
       FROM ${table} WHERE ${where} AND key_id IS NOT NULL AND key_id != '' GROUP BY key_id`,
      params,
    )
    for (const row of rows) {
      const prompt = Number(row.promptTokens)
      const completion = Number(row.completionTokens)
      usage.set(String(row.keyId), {
        requests: Number(row.requests),
        promptTokens: prompt,
        completionTokens: completion,
        tokens: prompt + completion,
        lastUsedAt: null,
        lastIp: null,
      })
    }
    for (const row of this.all('SELECT * FROM key_last_used', {})) {
      const keyId = String(row.key_id)
      const entry = usage.get(keyId) ?? {
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        tokens: 0,
        lastUsedAt: null,
        lastIp: null,
      }
      entry.lastUsedAt = Number(row.last_used_at)
      entry.lastIp = typeof row.last_ip === 'string' ? row.last_ip : null
      usage.set(keyId, entry)
    }
    return usage
  }

  /** Requests per bucket from the rollups; `bucketMs` is rounded to whole minutes. */
  series(since: number, until: number, bucketMs: number, keyId?: string): SeriesPoint[] {
    const bucket = Math.max(1, Math.round(bucketMs / MINUTE_MS)) * MINUTE_MS
    const { where, params } = this.rangeWhere('rollup', since, until, keyId)
    const rows = this.all(
      `SELECT minute - minute % @bucket AS ts, sum(requests) AS requests, sum(errors) AS errors,
         sum(prompt_tokens) AS promptTokens, sum(completion_tokens) AS completionTokens,
         sum(duration_ms_sum) / nullif(sum(requests), 0) AS avgDurationMs
       FROM rollup_minute WHERE ${where} GROUP BY 1 ORDER BY 1`,
      { ...params, bucket },
    )
    return rows.map((row) => ({
      ts: Number(row.ts),
      requests: Number(row.requests),
      errors: Number(row.errors),
      promptTokens: Number(row.promptTokens),
      completionTokens: Number(row.completionTokens),
      avgDurationMs: row.avgDurationMs === null ? null : Number(row.avgDurationMs),
    }))
  }

  private rangeWhere(source: Source, since: number, until: number, keyId?: string) {
    const params: Params = source === 'raw' ? { since, until } : { since: minuteOf(since), until }
    let where =
      source === 'raw' ? 'ts >= @since AND ts < @until' : 'minute >= @since AND minute < @until'
    if (keyId !== undefined) {
      where += ' AND key_id = @keyId'
      params.keyId = keyId
    }
    return { where, params }
  }

  /** p50/p95 of the duration per group (nearest rank: the ⌈p·n⌉-th), raw rows only. */
  private percentiles(group: string, where: string, params: Params) {
    const rows = this.all(
      `WITH ranked AS (
         SELECT ${group} AS grp, duration_ms AS d,
           row_number() OVER (PARTITION BY ${group} ORDER BY duration_ms) AS rn,
           count(*) OVER (PARTITION BY ${group}) AS n
         FROM requests WHERE ${where})
       SELECT grp,
         max(CASE WHEN rn = (n * 50 + 99) / 100 THEN d END) AS p50,
         max(CASE WHEN rn = (n * 95 + 99) / 100 THEN d END) AS p95
       FROM ranked GROUP BY grp`,
      params,
    )
    const result = new Map<string, { p50DurationMs: number; p95DurationMs: number }>()
    for (const row of rows) {
      result.set(String(row.grp), {
        p50DurationMs: Number(row.p50),
        p95DurationMs: Number(row.p95),
      })
    }
    return result
  }

  private statement(sql: string): Statement {
    let statement = this.statements.get(sql)
    if (statement === undefined) {
      statement = this.db.prepare(sql)
      this.statements.set(sql, statement)
    }
    return statement
  }

  private get(sql: string, params: Params): Row {
    return (this.statement(sql).get(params) as Row | undefined) ?? {}
  }

  private all(sql: string, params: Params): Row[] {
    return this.statement(sql).all(params) as Row[]
  }
}

const numberOrNull = (value: number | string | null | undefined): number | null =>
  value === null || value === undefined ? null : Number(value)

function aggregate(row: Row): Aggregate {
  return {
    requests: Number(row.requests ?? 0),
    errors: Number(row.errors ?? 0),
    promptTokens: Number(row.promptTokens ?? 0),
    completionTokens: Number(row.completionTokens ?? 0),
    avgDurationMs: numberOrNull(row.avgDurationMs),
    avgTtfbMs: numberOrNull(row.avgTtfbMs),
    avgTokensPerSecond: numberOrNull(row.avgTokensPerSecond),
    queued: Number(row.queued ?? 0),
    avgQueueMs: numberOrNull(row.avgQueueMs),
  }
}

function toRecord(row: Row): StoredRecord {
  const str = (value: unknown) => (typeof value === 'string' ? value : null)
  return {
    id: Number(row.id),
    ts: Number(row.ts),
    keyId: str(row.key_id),
    keyName: str(row.key_name),
    clientIp: String(row.client_ip),
    backend: str(row.backend),
    model: str(row.model),
    method: String(row.method),
    path: String(row.path),
    status: Number(row.status),
    durationMs: Number(row.duration_ms),
    ttfbMs: numberOrNull(row.ttfb_ms),
    promptTokens: numberOrNull(row.prompt_tokens),
    completionTokens: numberOrNull(row.completion_tokens),
    tokensPerSecond: numberOrNull(row.tokens_per_second),
    queued: row.queued === 1,
    queueMs: Number(row.queue_ms),
    outcome: String(row.outcome) as Outcome,
  }
}
