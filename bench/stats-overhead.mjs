// What the stats cost on the request path: the usage tap per frame (against the obvious
// JSON.parse of every frame), the tap's throughput on big chunks, and StatsStore.record()
// (enqueue only) and flush. Run: node bench/stats-overhead.mjs
import { build } from 'esbuild'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildStatsWorker, CACHE_DIR, ROOT } from './build.mjs'

const FRAMES = 200_000

async function load() {
  mkdirSync(CACHE_DIR, { recursive: true })
  const outfile = path.join(CACHE_DIR, 'stats-overhead.mjs')
  await build({
    stdin: {
      contents: [
        "export { createUsageTap } from './gateway/stats/usage-tap.ts'",
        "export { StatsStore } from './gateway/stats/store.ts'",
      ].join('\n'),
      resolveDir: ROOT,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    outfile,
  })
  await buildStatsWorker(CACHE_DIR) // the store in the bundle starts its writer thread from there
  return import(pathToFileURL(outfile).href)
}

/** Best of three runs of `fn(i)` for i < n, in ns per call. */
function nsPerCall(n, fn) {
  let best = Infinity
  for (let round = 0; round < 3; round++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < n; i++) fn(i)
    best = Math.min(best, Number(process.hrtime.bigint() - start) / n)
  }
  return best
}

const ollamaFrame = (i) =>
  Buffer.from(
    `${JSON.stringify({
      model: 'llama3.2:3b',
      created_at: '2025-05-01T10:00:00.123456789Z',
      message: { role: 'assistant', content: ` tok${i % 100}` },
      done: false,
    })}\n`,
  )
const sseFrame = (i) =>
  Buffer.from(
    `data: ${JSON.stringify({
      id: 'chatcmpl-86',
      object: 'chat.completion.chunk',
      created: 1_743_277_352,
      model: 'gemma3:4b',
      system_fingerprint: 'fp_ollama',
      choices: [
        { index: 0, delta: { role: 'assistant', content: ` tok${i % 100}` }, finish_reason: null },
      ],
    })}\n\n`,
  )

function tapRows({ createUsageTap }) {
  const rows = []
  for (const [name, dialect, make, strip] of [
    ['Ollama NDJSON frame', 'ollama', ollamaFrame, 0],
    ['OpenAI SSE event', 'openai', sseFrame, 6],
  ]) {
    const frames = Array.from({ length: 1000 }, (_, i) => make(i))
    const tap = createUsageTap(dialect, { streaming: true })
    const tapNs = nsPerCall(FRAMES, (i) => tap.push(frames[i % 1000]))
    const parseNs = nsPerCall(FRAMES, (i) => {
      const f = frames[i % 1000]
      JSON.parse(f.toString('utf8', strip, f.length))
    })
    rows.push({ what: `${name}, one per chunk`, 'tap ns': tapNs, 'JSON.parse ns': parseNs })
  }
  const big = Buffer.concat(Array.from({ length: 500 }, (_, i) => ollamaFrame(i)))
  const tap = createUsageTap('ollama', { streaming: true })
  const ns = nsPerCall(2000, () => tap.push(big))
  rows.push({
    what: `Ollama, ${(big.length / 1024).toFixed(0)} KiB chunks`,
    'tap ns': ns,
    MBps: (big.length / ns) * 1000,
  })
  return rows
}

function storeRows({ StatsStore }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'corral-bench-stats-'))
  try {
    const store = StatsStore.open(path.join(dir, 'corral.db'), {
      flushIntervalMs: 3_600_000,
      maxBatch: 1e9,
    })
    const record = (i) => ({
      ts: Date.now(),
      keyId: `k${i % 10}`,
      keyName: 'alice',
      clientIp: '192.168.1.2',
      backend: 'local',
      model: `m${i % 3}`,
      method: 'POST',
      path: '/api/chat',
      status: 200,
      durationMs: 1234,
      ttfbMs: 120,
      promptTokens: 30,
      completionTokens: 300,
      tokensPerSecond: 270,
      queued: false,
      queueMs: 0,
      outcome: 'done',
    })
    const recordNs = nsPerCall(10_000, (i) => store.record(record(i)))
    store.flush()
    for (let i = 0; i < 1000; i++) store.record(record(i))
    const start = process.hrtime.bigint()
    store.flush()
    const flushMs = Number(process.hrtime.bigint() - start) / 1e6
    store.close()
    return [
      { what: 'StatsStore.record() (enqueue)', 'ns per call': recordNs },
      { what: 'StatsStore.flush() of 1000 records', ms: flushMs },
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const mod = await load()
console.table(tapRows(mod).map(round))
console.table(storeRows(mod).map(round))

function round(row) {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toFixed(1)) : v]),
  )
}
