// The control API's stats payloads: records, summaries, series and their queries.
import { Type } from '@sinclair/typebox'
import { OUTCOMES } from '../stats/record.js'
import { Literals, Nullable } from './schema-helpers.js'

const Aggregate = {
  requests: Type.Integer(),
  errors: Type.Integer(),
  promptTokens: Type.Integer(),
  completionTokens: Type.Integer(),
  avgDurationMs: Nullable(Type.Number()),
  avgTtfbMs: Nullable(Type.Number()),
  avgTokensPerSecond: Nullable(Type.Number()),
  queued: Type.Integer(),
  avgQueueMs: Nullable(Type.Number()),
  p50DurationMs: Type.Optional(Type.Number()),
  p95DurationMs: Type.Optional(Type.Number()),
}
const Range = Type.Object({ since: Type.Number(), until: Type.Number() })

export const RequestRecordView = Type.Object({
  id: Type.Optional(Type.Integer({ description: 'Stored records only (not the live feed).' })),
  ts: Type.Number(),
  keyId: Nullable(Type.String()),
  keyName: Nullable(Type.String()),
  clientIp: Type.String(),
  backend: Nullable(Type.String()),
  model: Nullable(Type.String()),
  method: Type.String(),
  path: Type.String(),
  status: Type.Integer(),
  durationMs: Type.Number(),
  ttfbMs: Nullable(Type.Number()),
  promptTokens: Nullable(Type.Integer()),
  completionTokens: Nullable(Type.Integer()),
  tokensPerSecond: Nullable(Type.Number()),
  queued: Type.Boolean(),
  queueMs: Type.Number(),
  outcome: Literals(OUTCOMES),
})

export const StatsSummary = Type.Object({
  range: Range,
  totals: Type.Object({
    since: Type.Number(),
    until: Type.Number(),
    source: Literals(['raw', 'rollup'] as const),
    ...Aggregate,
    outcomes: Type.Record(Type.String(), Type.Integer()),
  }),
  breakdown: Type.Array(
    Type.Object({
      group: Type.String(),
      label: Type.String(),
      lastTs: Type.Number(),
      ...Aggregate,
    }),
  ),
})

export const StatsSeries = Type.Object({
  range: Range,
  bucketMs: Type.Integer(),
  points: Type.Array(
    Type.Object({
      ts: Type.Number(),
      requests: Type.Integer(),
      errors: Type.Integer(),
      promptTokens: Type.Integer(),
      completionTokens: Type.Integer(),
      avgDurationMs: Nullable(Type.Number()),
    }),
  ),
})

export const RangeQuery = Type.Object({
  since: Type.Optional(Type.String({ description: '`1h`, `24h`, `7d`, an ISO date or epoch ms.' })),
  until: Type.Optional(Type.String()),
  by: Type.Optional(Literals(['key', 'backend', 'model'] as const)),
  key: Type.Optional(Type.String({ description: 'Only this key id.' })),
  bucket: Type.Optional(Type.String({ description: 'Series bucket in ms (default 60000).' })),
})
export const RecentQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  key: Type.Optional(Type.String()),
})

/** A loose object: payloads whose shape belongs to another module (import plans, reports). */

/** The live feed's events, all of them unless `events` names some (the tray needs three). */
export const FEED_EVENTS = [
  'tick',
  'request',
  'activity',
  'device',
  'backend',
  'new-device',
] as const
export const EventsQuery = Type.Object({
  events: Type.Optional(
    Type.String({
      maxLength: 200,
      pattern: `^(${FEED_EVENTS.join('|')})(,(${FEED_EVENTS.join('|')}))*$`,
      description: 'A comma-separated list of the events to send; all when absent.',
    }),
  ),
})
