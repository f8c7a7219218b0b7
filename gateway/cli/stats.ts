// `corral stats [--since 1h] [--by key|backend|model]`
import { StatsStore } from '../stats/store.js'
import { dataFiles } from '../config/paths.js'
import { parseSince } from '../util/time.js'
import { CliError, type CliContext } from './context.js'
import { serverFor } from './other-folder.js'
import { str, type Flags } from './keys.js'
import { table } from './format.js'
import type { BreakdownRow, Totals } from '../stats/store.js'

const BY = ['key', 'backend', 'model'] as const

export async function statsCommand(ctx: CliContext, flags: Flags): Promise<void> {
  const since = str(flags.since) ?? '24h'
  const by = (str(flags.by) ?? 'key') as (typeof BY)[number]
  if (!BY.includes(by)) throw new CliError(`--by must be one of ${BY.join(', ')}`, 2)
  const server = await serverFor(ctx)
  let result: { totals: Totals; breakdown: BreakdownRow[] }
  if (server) {
    result = await server.get(`/control/stats/summary?since=${encodeURIComponent(since)}&by=${by}`)
  } else {
    let sinceMs: number
    try {
      sinceMs = parseSince(since, Date.now())
    } catch (err) {
      throw new CliError((err as Error).message, 2)
    }
    const store = StatsStore.open(dataFiles(ctx.dataDir).db)
    try {
      const range = { since: sinceMs, until: Date.now() }
      result = { totals: store.totals(range), breakdown: store.breakdown(by, range) }
    } finally {
      store.close()
    }
  }
  if (ctx.json) return ctx.out(JSON.stringify({ since, by, ...result }))
  const t = result.totals
  ctx.out(
    [
      `Since ${since}: ${t.requests} requests, ${t.errors} errors, ` +
        `${t.promptTokens} prompt + ${t.completionTokens} completion tokens.`,
      '',
      table(
        [by.toUpperCase(), 'REQUESTS', 'ERRORS', 'PROMPT TOK', 'COMPLETION TOK', 'AVG MS'],
        result.breakdown.map((r) => [
          r.label || r.group || '-',
          String(r.requests),
          String(r.errors),
          String(r.promptTokens),
          String(r.completionTokens),
          r.avgDurationMs === null ? '-' : String(Math.round(r.avgDurationMs)),
        ]),
      ),
    ].join('\n'),
  )
}
