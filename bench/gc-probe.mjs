// Loaded into a benchmarked Corral with `--import` (bench/fleet.mjs): adds up the time the
// garbage collector paused the process, and writes the running totals to
// $TMPDIR/corral-bench-gc-<pid>.json when the process gets SIGUSR2 (the bench asks, then
// reads), with the longest single pause since the last ask (`maxMs`). Nothing runs between
// asks but V8's own 'gc' performance entries. V8 hands an entry over a little after the
// pause, so one that ends just before an ask is counted in the next window.
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { constants, PerformanceObserver } from 'node:perf_hooks'

const totals = { gcMs: 0, count: 0, byKind: {}, maxMs: 0 }
// The entry's kind is one of perf_hooks' NODE_PERFORMANCE_GC_* constants (1 minor, 4 major,
// 8 incremental marking, 16 weak callbacks), read from Node rather than written down here.
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
}

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    totals.gcMs += e.duration
    totals.count++
    totals.maxMs = Math.max(totals.maxMs, e.duration)
    const kind = KINDS[e.detail?.kind] ?? 'other'
    totals.byKind[kind] = (totals.byKind[kind] ?? 0) + e.duration
  }
}).observe({ entryTypes: ['gc'] })

export function gcFile(pid) {
  return path.join(os.tmpdir(), `corral-bench-gc-${pid}.json`)
}

process.on('SIGUSR2', () => {
  writeFileSync(gcFile(process.pid), JSON.stringify(totals))
  totals.maxMs = 0
})
