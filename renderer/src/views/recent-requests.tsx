// The latest requests: the stored ones, then each one the live feed reports as it ends.
import { useMemo } from 'react'
import { useApi } from '../api/context.js'
import type { RequestRecord } from '../api/types.js'
import { useResource } from '../hooks/use-resource.js'
import { useLive } from '../live/live-context.js'
import { Banner, Card, Empty } from '../components/controls.js'
import { formatClock, formatCount, formatDuration } from '../format.js'

const RECENT_SHOWN = 50

function recordKey(r: RequestRecord): string {
  return `${r.ts}|${r.method}|${r.path}|${r.clientIp}|${r.status}|${r.durationMs}`
}

export function RecentRequests() {
  const api = useApi()
  const live = useLive()
  const stored = useResource(() => api.recent(RECENT_SHOWN), [api])
  const rows = useMemo(() => {
    const seen = new Set<string>()
    const out: RequestRecord[] = []
    for (const r of [...live.requests, ...(stored.data ?? [])]) {
      const k = recordKey(r)
      if (seen.has(k)) continue
      seen.add(k)
      out.push(r)
    }
    return out.sort((a, b) => b.ts + b.durationMs - (a.ts + a.durationMs)).slice(0, RECENT_SHOWN)
  }, [live.requests, stored.data])
  return (
    <Card title="Recent requests">
      {stored.error ? <Banner tone="error">{stored.error}</Banner> : null}
      <div
        className="recent-wrap"
        role="region"
        tabIndex={0}
        aria-label="Recent requests, newest first"
      >
        {rows.length === 0 ? (
          <Empty title="No requests yet">They appear here as they end.</Empty>
        ) : (
          <table className="table table-compact recent" data-testid="recent-requests">
            <colgroup>
              <col style={{ width: '11%' }} />
              <col style={{ width: '14%' }} />
              <col style={{ width: '23%' }} />
              <col style={{ width: '24%' }} />
              <col style={{ width: '9%' }} />
              <col style={{ width: '10%' }} />
              <col style={{ width: '9%' }} />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Key</th>
                <th scope="col">Model · backend</th>
                <th scope="col">Path</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Took
                </th>
                <th scope="col" className="num">
                  Tokens
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={recordKey(r)}>
                  <td className="nowrap num-font">{formatClock(r.ts)}</td>
                  <td className="truncate" title={r.clientIp}>
                    {r.keyName ?? <span className="muted">{r.clientIp}</span>}
                  </td>
                  <td className="truncate">
                    {r.model ?? <span className="muted">–</span>}
                    {r.backend ? <span className="muted"> · {r.backend}</span> : null}
                  </td>
                  <td className="truncate mono small" title={`${r.method} ${r.path}`}>
                    {r.path}
                  </td>
                  <td>
                    <span className={`status-pill status-${statusClass(r)}`} title={statusTitle(r)}>
                      {statusText(r)}
                    </span>
                  </td>
                  <td className="num">{formatDuration(r.durationMs)}</td>
                  <td className="num">
                    {r.completionTokens === null
                      ? '–'
                      : formatCount((r.promptTokens ?? 0) + r.completionTokens)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </Card>
  )
}

function statusClass(r: RequestRecord): 'ok' | 'warn' | 'err' {
  if (r.outcome === 'backend_error' || r.status >= 500) return 'err'
  if (r.status >= 400 || r.outcome !== 'done') return 'warn'
  return 'ok'
}

/**
 * A stream that began well (2xx) and did not end well says how it ended instead of its
 * status: the backend broke it, the owner kicked it (recorded as refused), the app went away.
 */
const ENDED: Partial<Record<RequestRecord['outcome'], { text: string; why: string }>> = {
  backend_error: { text: 'broken', why: 'the backend broke off the answer' },
  refused: { text: 'kicked', why: 'the owner kicked the key' },
  client_aborted: { text: 'cancelled', why: 'the app went away before the end' },
}

export function statusText(r: RequestRecord): string {
  const ended = r.status < 400 ? ENDED[r.outcome] : undefined
  return ended ? ended.text : String(r.status)
}

function statusTitle(r: RequestRecord): string {
  const ended = r.status < 400 ? ENDED[r.outcome] : undefined
  return ended ? `${r.status}, then ${ended.why}` : r.outcome.replace('_', ' ')
}
