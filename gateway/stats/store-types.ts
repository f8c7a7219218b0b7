// Shapes of what the stats store answers (store.ts, store-queries.ts).
import type { Outcome, RequestRecord } from './record.js'

export type Source = 'raw' | 'rollup'
export type BreakdownBy = 'key' | 'backend' | 'model'

/** A time range in ms since the epoch: `since` inclusive, `until` exclusive (default now). */
export interface TimeRange {
  since: number
  until?: number
}

export interface Aggregate {
  requests: number
  errors: number
  promptTokens: number
  completionTokens: number
  avgDurationMs: number | null
  avgTtfbMs: number | null
  avgTokensPerSecond: number | null
  queued: number
  /** Mean wait of the requests that were queued. */
  avgQueueMs: number | null
  /** Raw ranges only: nearest-rank percentiles of the duration. */
  p50DurationMs?: number
  p95DurationMs?: number
}

export interface Totals extends Aggregate {
  since: number
  until: number
  /** Rollup ranges are widened to whole minutes. */
  source: Source
  outcomes: Record<Outcome, number>
}

export interface BreakdownRow extends Aggregate {
  /** Key id, backend or model; '' for requests without one. */
  group: string
  /** The key's latest name, or the backend or model; `(none)` for ''. */
  label: string
  /** The last request of the group (rollups: the start of its minute). */
  lastTs: number
}

export interface RecentFilter {
  keyId?: string
  backend?: string
  model?: string
  outcome?: Outcome
  clientIp?: string
  since?: number
  until?: number
  /** Paging: only records older than this id. */
  beforeId?: number
}

export interface StoredRecord extends RequestRecord {
  id: number
}

export interface KeyUsage {
  requests: number
  promptTokens: number
  completionTokens: number
  tokens: number
  /** Last use ever seen (kept after the rows are pruned); null when only old rollups know it. */
  lastUsedAt: number | null
  lastIp: string | null
}

export interface SeriesPoint {
  ts: number
  requests: number
  errors: number
  promptTokens: number
  completionTokens: number
  avgDurationMs: number | null
}
