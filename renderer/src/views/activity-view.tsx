// Activity: live charts, history per key, model and backend, and the latest requests.
import { useEffect, useRef, useState } from 'react'
import { useApi } from '../api/context.js'
import type { BreakdownBy } from '../api/types.js'
import { useResource } from '../hooks/use-resource.js'
import { useLive } from '../live/live-context.js'
import { Banner, Card, PageHeader, Segmented } from '../components/controls.js'
import { BarChart, Meter, Sparkline } from '../components/charts.js'
import { formatCount, formatDuration, formatRate } from '../format.js'
import { RecentRequests } from './recent-requests.js'

type Range = '1h' | '24h' | '7d'
const RANGES: Record<Range, { label: string; bucketMs: number; ms: number }> = {
  '1h': { label: 'Last hour', bucketMs: 60_000, ms: 3_600_000 },
  '24h': { label: 'Last 24 hours', bucketMs: 1_800_000, ms: 86_400_000 },
  '7d': { label: 'Last 7 days', bucketMs: 21_600_000, ms: 604_800_000 },
}
const BY_LABEL: Record<BreakdownBy, string> = { key: 'Keys', model: 'Models', backend: 'Backends' }
/** The row of requests without one: refused before a key was known, model lists, refusals. */
const WITHOUT: Record<BreakdownBy, string> = {
  key: 'No key (refused)',
  model: 'No model (lists, version)',
  backend: 'No backend (answered by Corral)',
}
/** After requests end, history is refetched this much later (several requests, one fetch). */
const HISTORY_SETTLE_MS = 1500
const HISTORY_REFRESH_MS = 30_000

export function ActivityView() {
  const live = useLive()
  return (
    <>
      <PageHeader title="Activity" description="What the gateway is doing now, and what it did." />
      <div className="stack-lg">
        <LiveTiles />
        <History />
        <RecentRequests />
      </div>
      <span className="visually-hidden" aria-live="polite">
        {live.state === 'retrying' ? 'The live feed was interrupted; reconnecting.' : ''}
      </span>
    </>
  )
}

function LiveTiles() {
  const { history, snapshot, state } = useLive()
  const pick = (f: (s: (typeof history)[number]) => number) => history.map(f)
  const tiles = [
    {
      label: 'Requests/s',
      value: formatRate(snapshot?.rps ?? 0),
      values: pick((s) => s.rps),
      tone: 'accent' as const,
    },
    {
      label: 'Tokens/s',
      value: formatRate(snapshot?.tps ?? 0),
      values: pick((s) => s.tps),
      tone: 'info' as const,
    },
    {
      label: 'In flight',
      value: String(snapshot?.inFlight ?? 0),
      values: pick((s) => s.inFlight),
      tone: 'accent' as const,
    },
    {
      label: 'Queued',
      value: String(snapshot?.queueDepth ?? 0),
      values: pick((s) => s.queueDepth),
      tone: 'warning' as const,
    },
  ]
  return (
    <section aria-label="Live" className="tiles">
      {tiles.map((t) => (
        <div key={t.label} className="tile">
          <div className="tile-top">
            <span className="stat-label">{t.label}</span>
            <span
              className={`live-dot live-${state}`}
              title={state === 'open' ? 'Live' : 'Reconnecting'}
              aria-hidden="true"
            />
          </div>
          <span className="tile-value">{t.value}</span>
          <Sparkline
            values={t.values}
            label={`${t.label} over the last minute`}
            tone={t.tone}
            width={150}
            height={34}
          />
        </div>
      ))}
    </section>
  )
}

/** Refetch history a moment after requests end: at most once per HISTORY_SETTLE_MS, even under load. */
function useRefreshOnRequests(reload: () => Promise<void>) {
  const { requestCount } = useLive()
  const seen = useRef(requestCount)
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => () => clearTimeout(pending.current), [])
  useEffect(() => {
    if (requestCount === seen.current || pending.current) return
    pending.current = setTimeout(() => {
      pending.current = undefined
      seen.current = requestCount
      void reload()
    }, HISTORY_SETTLE_MS)
  }, [requestCount, reload])
}

function History() {
  const api = useApi()
  const [range, setRange] = useState<Range>('1h')
  const [by, setBy] = useState<BreakdownBy>('key')
  const r = RANGES[range]
  const series = useResource(() => api.series(range, r.bucketMs), [api, range], HISTORY_REFRESH_MS)
  const summary = useResource(() => api.summary(range, by), [api, range, by], HISTORY_REFRESH_MS)
  useRefreshOnRequests(series.reload)
  useRefreshOnRequests(summary.reload)

  const until = series.data?.range.until ?? Date.now()
  const since = until - r.ms
  const points = series.data?.points ?? []
  const tick = (ts: number) =>
    range === '7d'
      ? new Date(ts).toLocaleDateString([], { weekday: 'short', day: 'numeric' })
      : new Date(ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  const t = summary.data?.totals
  const rows = summary.data?.breakdown ?? []
  const maxRequests = Math.max(1, ...rows.map((x) => x.requests))
  return (
    <Card
      title="History"
      actions={
        <Segmented
          label="Time range"
          value={range}
          onChange={setRange}
          options={(Object.keys(RANGES) as Range[]).map((k) => ({
            value: k,
            label: k === '7d' ? '7 days' : k === '24h' ? '24 h' : '1 h',
          }))}
        />
      }
    >
      <div className="stack">
        {series.error || summary.error ? (
          <Banner tone="error">{series.error ?? summary.error}</Banner>
        ) : null}
        <dl className="totals">
          <div>
            <dt>Requests</dt>
            <dd>{formatCount(t?.requests ?? 0)}</dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd>{formatCount(t?.errors ?? 0)}</dd>
          </div>
          <div>
            <dt>Tokens</dt>
            <dd>{formatCount((t?.promptTokens ?? 0) + (t?.completionTokens ?? 0))}</dd>
          </div>
          <div>
            <dt>Typical time</dt>
            <dd>{formatDuration(t?.p50DurationMs ?? t?.avgDurationMs ?? null)}</dd>
          </div>
          <div>
            <dt>Slowest 5%</dt>
            <dd>{formatDuration(t?.p95DurationMs ?? null)}</dd>
          </div>
        </dl>
        <div className="grid-2">
          <BarChart
            label={`Requests, ${r.label.toLowerCase()}`}
            points={points.map((p) => ({ ts: p.ts, value: p.requests, errors: p.errors }))}
            since={since}
            until={until}
            bucketMs={r.bucketMs}
            height={120}
            formatTick={tick}
          />
          <BarChart
            label={`Tokens, ${r.label.toLowerCase()}`}
            points={points.map((p) => ({ ts: p.ts, value: p.promptTokens + p.completionTokens }))}
            since={since}
            until={until}
            bucketMs={r.bucketMs}
            height={120}
            formatTick={tick}
          />
        </div>
        <div className="legend small muted" aria-hidden="true">
          <span className="legend-swatch bar" /> Requests and tokens{' '}
          <span className="legend-swatch bar-error" /> Errors
        </div>
        <div className="breakdown-head">
          <h3 className="subhead">By {BY_LABEL[by].toLowerCase().replace(/s$/, '')}</h3>
          <Segmented
            label="Break down by"
            value={by}
            onChange={setBy}
            options={(Object.keys(BY_LABEL) as BreakdownBy[]).map((k) => ({
              value: k,
              label: BY_LABEL[k],
            }))}
          />
        </div>
        {rows.length === 0 ? (
          <p className="muted">No requests in this range.</p>
        ) : (
          <div className="table-wrap">
            <table className="table table-compact breakdown-table">
              <thead>
                <tr>
                  <th scope="col">{BY_LABEL[by].replace(/s$/, '')}</th>
                  <th scope="col" className="num">
                    Requests
                  </th>
                  <th scope="col" aria-hidden="true" />
                  <th scope="col" className="num">
                    Errors
                  </th>
                  <th scope="col" className="num">
                    Tokens
                  </th>
                  <th scope="col" className="num">
                    Typical time
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.group}>
                    <td className="truncate">
                      {row.group === '' ? <span className="muted">{WITHOUT[by]}</span> : row.label}
                    </td>
                    <td className="num">{formatCount(row.requests)}</td>
                    <td className="meter-cell">
                      <Meter
                        value={row.requests}
                        max={maxRequests}
                        label={`${Math.round((row.requests / maxRequests) * 100)}% of the busiest`}
                      />
                    </td>
                    <td className="num">{formatCount(row.errors)}</td>
                    <td className="num">{formatCount(row.promptTokens + row.completionTokens)}</td>
                    <td className="num">
                      {formatDuration(row.p50DurationMs ?? row.avgDurationMs)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </Card>
  )
}
