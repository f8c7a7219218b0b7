// Loaded into a benchmarked Corral with `--import` (bench/fleet.mjs): adds up the time the
// garbage collector paused the process, and writes the running totals to
// $TMPDIR/corral-bench-gc-<pid>.json when the process gets SIGUSR2 (the bench asks, then
// reads). Nothing runs between asks but V8's own 'gc' performance entries.
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'

const totals = { gcMs: 0, count: 0, byKind: {} }
// perf_hooks' NODE_PERFORMANCE_GC_* kinds.
const KINDS = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' }

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    totals.gcMs += e.duration
    totals.count++
    const kind = KINDS[e.detail?.kind] ?? 'other'
    totals.byKind[kind] = (totals.byKind[kind] ?? 0) + e.duration
  }
}).observe({ entryTypes: ['gc'] })

export function gcFile(pid) {
  return path.join(os.tmpdir(), `corral-bench-gc-${pid}.json`)
}

process.on('SIGUSR2', () => {
  writeFileSync(gcFile(process.pid), JSON.stringify(totals))
})
