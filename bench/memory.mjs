// Where a Corral's memory goes over a bench's life, for one process: RSS 2 s after start,
// after each of four 5-second closed loops of small requests at 32 connections (tags, show,
// tags, show), the peak under 500 streams and 3 s after them; then the resident memory by
// mapping (`/proc/<pid>/smaps`): `anon` is V8's heap and the threads' malloc arenas,
// `[heap]` the main thread's malloc, `file:node` the node binary's pages. `--node` adds
// flags to Corral's node (after bin/corral.js's own), to try a V8 setting:
//
//   node bench/memory.mjs [bundle] [--node '--heap-growing-percent=50'] [--idle 40]
//
// `--idle N` also waits N seconds with no traffic and reads RSS again, every 10 s: what a
// gateway gives back once its team has gone quiet (V8's memory reducer runs when idle).
//
// The bundle defaults to a fresh build of this tree (`node bench/build.mjs`).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles, CACHE_DIR } from './build.mjs'
import { closedLoop, manyStreams } from './load.mjs'
import { requests } from './phases.mjs'
import { corralConfig, newKey, startBackend, startCorral } from './procs.mjs'

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: { node: { type: 'string', default: '' }, idle: { type: 'string', default: '0' } },
})
const bundle = positionals[0] ? path.resolve(positionals[0]) : (await buildBundles()).corral
const rssMb = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024

/** Resident MB by mapping: anonymous, [heap], [stack], or a file's name. */
function byMapping(pid) {
  const out = new Map()
  let name = ''
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      name =
        head[1] === '' ? 'anon' : head[1].includes('/') ? `file:${path.basename(head[1])}` : head[1]
      continue
    }
    const rss = /^Rss:\s+(\d+)/.exec(line)
    if (rss) out.set(name, (out.get(name) ?? 0) + Number(rss[1]) / 1024)
  }
  return [...out].sort((a, b) => b[1] - a[1])
}

const backend = await startBackend(`${CACHE_DIR}/fake-ollama.mjs`, {
  stampFrames: true,
  frames: 100,
  frameIntervalMs: 20,
})
const { key, hash } = newKey()
const corral = await startCorral(bundle, {
  config: corralConfig({ backendUrl: backend.url, keyHash: hash }),
  workers: 1,
  nodeArgs: o.node.split(/\s+/).filter(Boolean),
  label: 'memory',
})
try {
  const reqs = requests(key)
  await sleep(2000)
  const line = (what, extra = '') =>
    process.stdout.write(`${what.padEnd(26)} ${rssMb(corral.pid).toFixed(1)} MB${extra}\n`)
  line('2 s after start')
  for (const name of ['tags', 'show', 'tags', 'show']) {
    const r = await closedLoop({
      origin: corral.url,
      request: reqs[name],
      connections: 32,
      durationMs: 5000,
    })
    line(`after ${name} c32 (5 s)`, `  (${Math.round(r.rps)} req/s)`)
  }
  let peak = 0
  const r = await manyStreams({
    origin: corral.url,
    request: reqs.chat,
    warmRequest: reqs.version,
    streams: 500,
    durationMs: 8000,
    rampMs: 1000,
    tick: () => void (peak = Math.max(peak, rssMb(corral.pid))),
  })
  process.stdout.write(
    `${'peak under 500 streams'.padEnd(26)} ${peak.toFixed(1)} MB  (${r.frames} frames, ${r.errors} errors)\n`,
  )
  await sleep(3000)
  line('3 s after the streams')
  for (let waited = 0; waited < Number(o.idle);) {
    const step = Math.min(10, Number(o.idle) - waited)
    await sleep(step * 1000)
    waited += step
    line(`${waited + 3} s after the streams`)
  }
  process.stdout.write('resident by mapping:\n')
  for (const [name, mb] of byMapping(corral.pid).slice(0, 6)) {
    process.stdout.write(`  ${mb.toFixed(1).padStart(6)} MB  ${name}\n`)
  }
} finally {
  await Promise.all([corral.stop(), backend.stop()])
}
