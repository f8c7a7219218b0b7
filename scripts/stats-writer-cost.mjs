// What writing the stats costs the gateway's main thread (issue 5): StatsStore.record() for
// 100,000 records arriving at a steady rate, as requests end (10,000 a second by default, a
// few a turn of the event loop), then a flush; with the writer thread, and with the in-thread
// writer (its fallback). Prints, per record, the main thread's CPU time over what the same
// loop costs with no store (Linux: /proc/thread-self/schedstat), the whole process's (every
// thread), the time inside record(), and the final flush. Not part of `npm run bench`:
//
//   node scripts/stats-writer-cost.mjs [records] [per second]
import { build } from 'esbuild'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const OUT_DIR = path.join(ROOT, 'node_modules', '.cache', 'corral-stats-cost')
const RECORDS = Number(process.argv[2] ?? 100_000)
const PER_SECOND = Number(process.argv[3] ?? 10_000)

/** The store bundled as the benchmark bundles the gateway, its writer thread's script beside it. */
async function load() {
  mkdirSync(OUT_DIR, { recursive: true })
  const common = { bundle: true, platform: 'node', format: 'esm', packages: 'external' }
  const out = path.join(OUT_DIR, 'store.mjs')
  const entry = path.join(ROOT, 'gateway', 'stats')
  await build({ ...common, entryPoints: [path.join(entry, 'store.ts')], outfile: out })
  await build({
    ...common,
    entryPoints: [path.join(entry, 'store-worker.mjs')],
    outfile: path.join(OUT_DIR, 'store-worker.mjs'),
  })
  return import(pathToFileURL(out).href)
}

/** CPU time of the calling thread, and of the whole process, in ns. */
const threadCpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0])
const processCpuNs = () => {
  const { user, system } = process.cpuUsage()
  return (user + system) * 1000
}

const record = (i) => ({
  ts: Date.now(),
  keyId: `k${i % 10}`,
  keyName: `key ${i % 10}`,
  clientIp: `192.168.1.${i % 50}`,
  backend: 'local',
  model: `m${i % 3}`,
  method: 'POST',
  path: '/api/chat',
  status: 200,
  durationMs: 1234 + (i % 100) / 8,
  ttfbMs: 120.5,
  promptTokens: 30,
  completionTokens: 300,
  tokensPerSecond: 270.25,
  queued: false,
  queueMs: 0,
  outcome: 'done',
})

/** Feeds `sink` RECORDS records at PER_SECOND; returns CPU and time spent in `sink`. */
async function feed(sink) {
  const cpu = threadCpuNs()
  const all = processCpuNs()
  const start = performance.now()
  let inSink = 0
  for (let i = 0; i < RECORDS;) {
    const due = Math.min(RECORDS, Math.floor(((performance.now() - start) * PER_SECOND) / 1000))
    const t = performance.now()
    for (; i < due; i++) sink(record(i))
    inSink += performance.now() - t
    await sleep(1)
  }
  return { cpuNs: threadCpuNs() - cpu, allNs: processCpuNs() - all, inSinkMs: inSink }
}

async function run(StatsStore, writerThread, base) {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-stats-cost-'))
  const problems = []
  const logger = { info() {}, warn: (_, m) => problems.push(m), error: (_, m) => problems.push(m) }
  const store = StatsStore.open(path.join(dir, 'corral.db'), { writerThread, logger })
  try {
    for (let i = 0; i < 2000; i++) store.record(record(i)) // warm up (and start the thread)
    store.flush()
    const fed = await feed((r) => store.record(r))
    const cpu = threadCpuNs()
    const all = processCpuNs()
    const t = performance.now()
    store.flush()
    const flushMs = performance.now() - t
    const written = store.totals({ since: 0 }).requests
    if (written !== RECORDS + 2000) problems.push(`wrote ${written}`)
    const perRecordUs = (ns) => ns / 1000 / RECORDS
    return {
      writer: writerThread === null ? 'main thread' : 'writer thread',
      'main CPU µs/record': perRecordUs(fed.cpuNs + threadCpuNs() - cpu - base.cpuNs),
      'process CPU µs/record': perRecordUs(fed.allNs + processCpuNs() - all - base.allNs),
      'in record() µs/record': (fed.inSinkMs * 1000) / RECORDS,
      'final flush ms': flushMs,
      problems: problems.join('; '),
    }
  } finally {
    store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

const ROUNDS = 5
const { StatsStore } = await load()
const runs = { 'writer thread': [], 'main thread': [] }
for (let round = 1; round <= ROUNDS; round++) {
  let kept = 0
  const base = await feed((r) => (kept += r.status)) // the loop itself, with no store
  for (const writerThread of [undefined, null]) {
    const row = await run(StatsStore, writerThread, base)
    runs[row.writer].push(row)
  }
}
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]
const round2 = (v) => Math.round(v * 100) / 100
console.log(
  `${RECORDS} records at ${PER_SECOND}/s, ${process.version}, load ${loadavg().map((l) => l.toFixed(1))}`,
)
console.log(`medians of ${ROUNDS} rounds, alternating`)
console.table(
  Object.entries(runs).map(([writer, rows]) => ({
    writer,
    ...Object.fromEntries(
      Object.keys(rows[0])
        .filter((k) => typeof rows[0][k] === 'number')
        .map((k) => [k, round2(median(rows.map((r) => r[k])))]),
    ),
    problems: rows
      .map((r) => r.problems)
      .filter(Boolean)
      .join('; '),
  })),
)
