// How long the desktop app's main thread (the one that draws the tray and its menus) is
// blocked, before and after the gateway moved to its own process (issue 28). Electron
// cannot run here, so plain Node stands in for the main process: the event-loop delay
// (perf_hooks.monitorEventLoopDelay, 1 ms resolution) of
//   in-process: a process that hosts the gateway itself (the app before), and
//   child:      a process that runs the gateway child (gateway/child, as the app's
//               utilityProcess does) and reaches it the way the app does, through the
//               app's own electron/gateway-link.ts: status, devices, activity and
//               settings read each second, and the live feed (the app after),
// under 32 chat streams through the gateway from the Ollama stand-in plus the window's
// 90-day stats queries every 2 s, on a corral.db seeded with 90 days of rollups and 7
// days of raw rows.
//
//   node scripts/build.mjs gateway && node bench/main-thread.mjs [--streams 32] [--seconds 20]
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { fork } from 'node:child_process'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { writeFileSync, mkdirSync } from 'node:fs'
import { build } from 'esbuild'
import Database from 'better-sqlite3'
import { corralConfig, newKey, startBackend, tempDir } from './procs.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const ROOT = path.join(HERE, '..')
const { values: o } = parseArgs({
  options: {
    streams: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '20' },
  },
})
const STREAMS = Number(o.streams)
const DURATION_MS = Number(o.seconds) * 1000
const { startGateway } = await import(path.join(ROOT, 'dist/gateway/child/app-gateway.js'))
const { GatewaySupervisor } = await import(path.join(ROOT, 'dist/gateway/child/supervisor.js'))
const { forkNodeChild } = await import(path.join(ROOT, 'dist/gateway/child/fork-node.js'))
const { silentLogger } = await import(path.join(ROOT, 'dist/gateway/util/logger.js'))

/**
 * A TypeScript module bundled to a private folder (not the shared bench cache) under dist/,
 * where its external packages (fzstd, undici) resolve from the checkout's node_modules.
 */
async function bundle(entry, name) {
  const dir = path.join(ROOT, 'dist', 'bench', `main-thread-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  const outfile = path.join(dir, name)
  await build({
    entryPoints: [path.join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  })
  return outfile
}

/** 90 days of minute rollups (4 keys x 2 models) and 7 days of raw rows, one a minute per key. */
function seed(dataDir) {
  const db = new Database(path.join(dataDir, 'corral.db'))
  const now = Date.now()
  const minute = 60_000
  const roll = db.prepare(
    'INSERT OR IGNORE INTO rollup_minute (minute, key_id, backend, model, key_name, requests, prompt_tokens, completion_tokens, duration_ms_sum, done) VALUES (?, ?, ?, ?, ?, 3, 30, 300, 900, 3)',
  )
  const raw = db.prepare(
    "INSERT INTO requests (ts, key_id, key_name, client_ip, backend, model, method, path, status, duration_ms, queued, queue_ms, outcome) VALUES (?, ?, ?, '192.168.1.20', 'bench', ?, 'POST', '/api/chat', 200, 300, 0, 0, 'done')",
  )
  db.transaction(() => {
    for (let t = now - 90 * 1440 * minute; t < now; t += minute) {
      const m = Math.floor(t / minute) * minute
      for (let k = 0; k < 4; k++) {
        for (const model of ['llama3.2', 'qwen3']) roll.run(m, `k${k}`, 'bench', model, `key ${k}`)
        if (t > now - 7 * 1440 * minute) raw.run(t, `k${k}`, `key ${k}`, 'llama3.2')
      }
    }
  })()
  const n = db
    .prepare('SELECT (SELECT count(*) FROM rollup_minute) r, (SELECT count(*) FROM requests) q')
    .get()
  db.close()
  return n
}

function runLoad(args) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(HERE, 'main-thread-load.mjs'), [JSON.stringify(args)])
    child.once('message', resolve)
    child.once('exit', (code) => code !== 0 && reject(new Error(`load exited ${code}`)))
  })
}

/** The event-loop delay of this process while the load runs. */
async function measure(target, key, poll) {
  const h = monitorEventLoopDelay({ resolution: 1 })
  const timer = setInterval(poll, 1000)
  h.enable()
  const load = await runLoad({ ...target, key, streams: STREAMS, durationMs: DURATION_MS })
  h.disable()
  clearInterval(timer)
  const ms = (ns) => Math.round(ns / 1e5) / 10
  return { maxMs: ms(h.max), p99Ms: ms(h.percentile(99)), meanMs: ms(h.mean), ...load }
}

const backend = await startBackend(await bundle('test/support/fake-ollama.ts', 'fake-ollama.mjs'), {
  frames: 100,
  frameIntervalMs: 20,
})
// The app's link to its gateway, as the main process runs it (pure Node: no electron import).
const { createGatewayLink } = await import(
  await bundle('electron/gateway-link.ts', 'gateway-link.mjs')
)
const { key, hash } = newKey()
const dataDir = tempDir('corral-main-thread-')
const config = corralConfig({ backendUrl: backend.url, keyHash: hash })
config.server = { ...config.server, port: 0, controlPort: 0 }
config.logging = { enabled: false }
writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(config, null, 2))
const opts = {
  dataDir,
  logger: silentLogger,
  uiDir: null,
  watchConfig: false,
  discovery: () => undefined,
}

// The schema first (a start and stop), then the seed.
const first = await startGateway(opts)
await first.running.close()
const seeded = seed(dataDir)
const results = {}

{
  const { running } = await startGateway(opts)
  const target = {
    gatewayUrl: `http://127.0.0.1:${running.gatewayPort()}`,
    controlUrl: running.controlUrl,
    token: running.token,
  }
  results['in-process'] = await measure(target, key, () => running.corral.stats.live.snapshot())
  await running.close()
}
{
  const supervisor = new GatewaySupervisor({
    fork: () => forkNodeChild(['--data-dir', dataDir, '--no-watch'], { silent: true }),
    logger: silentLogger,
  })
  const link = createGatewayLink(supervisor, silentLogger)
  const failed = await link.start()
  if (failed) throw new Error(failed)
  const ready = link.lastReady()
  const target = {
    gatewayUrl: `http://127.0.0.1:${ready.gatewayPort}`,
    controlUrl: ready.controlUrl,
    token: ready.token,
  }
  let reads = 0
  link.on('changed', () => reads++)
  // The link reads on its own timer; what the tray does with a read is drawing from memory.
  results.child = await measure(target, key, () => link.snapshot())
  results.child.reads = reads
  await link.stop()
}
await backend.stop()

process.stdout.write(
  `corral.db: ${seeded.r} rollup rows (90 days), ${seeded.q} raw rows (7 days); ${STREAMS} streams for ${DURATION_MS / 1000} s\n`,
)
process.stdout.write(
  'mode        main-thread max  p99    mean   streams ok/err  90-day query (median ms)\n',
)
for (const [mode, r] of Object.entries(results)) {
  const q = [...r.queryMs].sort((a, b) => a - b)
  const median = q.length ? Math.round(q[Math.floor(q.length / 2)]) : NaN
  process.stdout.write(
    `${mode.padEnd(12)}${`${r.maxMs} ms`.padStart(16)} ${`${r.p99Ms}`.padStart(6)} ${`${r.meanMs}`.padStart(6)}   ${`${r.streams.complete}/${r.streams.errors}`.padStart(12)}  ${median} (${q.length} runs)\n`,
  )
}
process.stdout.write(`child: the app's link read the gateway ${results.child.reads} times\n`)
