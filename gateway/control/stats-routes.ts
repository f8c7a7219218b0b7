// Stats for the UI and `corral stats`: totals, breakdowns, recent requests,
// a time series, and the live feed as Server-Sent Events.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Corral, CorralEvents } from '../core.js'
import { ControlError, CONTROL_PREFIX } from './common.js'
import { parseSince } from '../util/time.js'
import {
  LiveSnapshot,
  RangeQuery,
  RecentQuery,
  RequestRecordView,
  StatsSeries,
  StatsSummary,
} from './schemas.js'
import { EventsQuery } from './stats-schemas.js'

const P = CONTROL_PREFIX
const tags = ['stats']
/** How often the live feed sends a tick while someone listens. */
const SSE_HEARTBEAT_MS = 15_000

export function registerStatsRoutes(app: FastifyInstance, corral: Corral): void {
  const store = () => {
    const s = corral.stats.store
    if (!s)
      throw new ControlError(
        503,
        'request stats are unavailable (the stats database could not be opened)',
      )
    return s
  }
  const range = (q: Static<typeof RangeQuery>) => {
    const now = corral.now()
    try {
      return {
        since: parseSince(q.since ?? '24h', now),
        until: q.until ? parseSince(q.until, now) : now,
      }
    } catch (err) {
      throw new ControlError(400, (err as Error).message)
    }
  }

  app.get<{ Querystring: Static<typeof RangeQuery> }>(
    `${P}/stats/summary`,
    {
      schema: {
        summary: 'Totals and a breakdown by key, backend or model over a time range',
        tags,
        querystring: RangeQuery,
        response: { 200: StatsSummary },
      },
    },
    async (req) => {
      const s = store()
      s.flush()
      const r = range(req.query)
      return {
        range: r,
        totals: s.totals(r, req.query.key),
        breakdown: s.breakdown(req.query.by ?? 'key', r),
      }
    },
  )
  app.get<{ Querystring: Static<typeof RangeQuery> }>(
    `${P}/stats/series`,
    {
      schema: {
        summary: 'Requests and tokens per time bucket (history charts)',
        tags,
        querystring: RangeQuery,
        response: { 200: StatsSeries },
      },
    },
    async (req) => {
      const s = store()
      s.flush()
      const r = range(req.query)
      const bucketMs = Math.max(1000, Number(req.query.bucket ?? 60_000) || 60_000)
      return { range: r, bucketMs, points: s.series(r, bucketMs, req.query.key) }
    },
  )
  app.get<{ Querystring: Static<typeof RecentQuery> }>(
    `${P}/stats/recent`,
    {
      schema: {
        summary: 'The latest requests, newest first',
        tags,
        querystring: RecentQuery,
        response: { 200: Type.Array(RequestRecordView) },
      },
    },
    async (req) => {
      const s = store()
      s.flush()
      return s.recent(req.query.limit ?? 50, req.query.key ? { keyId: req.query.key } : undefined)
    },
  )
  app.get(
    `${P}/stats/live`,
    { schema: { summary: 'Live numbers now', tags, response: { 200: LiveSnapshot } } },
    async () => corral.stats.live.snapshot(),
  )

  // The UI reads this with fetch() (the token goes in a header, which EventSource cannot send).
  app.get<{ Querystring: Static<typeof EventsQuery> }>(
    `${P}/events`,
    {
      schema: {
        summary: 'The live feed (Server-Sent Events)',
        querystring: EventsQuery,
        description:
          '`event: tick` each second with the live numbers (LiveSnapshot) and `event: request` ' +
          'with each request as it ends (a RequestRecord without `id`); `event: activity` ' +
          '(GET /control/activity/now) at once and with each tick while it changes; `event: device` ' +
          'when a device asks to be allowed (GET /control/devices); `event: backend` when a ' +
          "backend's health changes ({id, name, from, to, error}); `event: new-device` when a key " +
          'is used from an address it had not been used from ({keyId, keyName, ip}). Read it with fetch(): ' +
          'EventSource cannot send the Authorization header.',
        tags,
        produces: ['text/event-stream'],
      },
    },
    (req, reply) => {
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-content-type-options': 'nosniff',
      })
      // Only the events asked for: the tray's feed leaves out a record per request and the ticks.
      const wanted = req.query.events ? new Set(req.query.events.split(',')) : null
      const send = (event: string, data: unknown) => {
        if (wanted === null || wanted.has(event))
          res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
      }
      let lastActivity = ''
      const sendActivity = () => {
        const { ts: _ts, ...now } = corral.owner.activity()
        const text = JSON.stringify(now)
        if (text !== lastActivity) send('activity', { ts: corral.now(), ...now })
        lastActivity = text
      }
      send('tick', corral.stats.live.snapshot())
      sendActivity()
      const unsubscribe = corral.stats.live.subscribe((e) => {
        if (e.type === 'request') send('request', e.record)
        else {
          const { type: _type, ...snapshot } = e
          send('tick', snapshot)
          sendActivity()
        }
      })
      // A device asks to be allowed (gateway/device-keys/): the Keys view shows it at once.
      const onDevice = (e: CorralEvents['device-asked'][0]) =>
        send('device', { ...e.device, label: e.label })
      corral.events.on('device-asked', onDevice)
      // What the desktop app shows at once (the tray's icon, notifications), not at its next poll.
      const onHealth = (e: CorralEvents['backend-health'][0]) => send('backend', e)
      const onNewDevice = (e: CorralEvents['new-device'][0]) => send('new-device', e)
      corral.events.on('backend-health', onHealth)
      corral.events.on('new-device', onNewDevice)
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS)
      heartbeat.unref()
      req.raw.socket.on('close', () => {
        clearInterval(heartbeat)
        unsubscribe()
        corral.events.off('device-asked', onDevice)
        corral.events.off('backend-health', onHealth)
        corral.events.off('new-device', onNewDevice)
      })
    },
  )
}
