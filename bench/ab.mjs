// A/B of two gateway bundles (see `node bench/build.mjs <label>`), for measuring one change:
// both run side by side in front of one backend, warmed up, then loaded in alternating
// rounds. Prints the medians of throughput, latency and Corral's CPU time per request
// (or per frame, for streams), the last being the least noisy figure on a shared machine.
//
//   node bench/ab.mjs <bundleA.mjs|floor|nginx> <bundleB.mjs|floor|nginx> [--req show|tags|chat] [--connections 32]
//                     [--rounds 6] [--ms 3000] [--stats off] [--logging off] [--strace] [--frames 50]
//                     [--b-stats off] [--b-logging off] [--b-node='<node flags>'] [--cpu-prof]
//                     [--key-fields '<json>'] [--b-key-fields '<json>']
//
// The same bundle twice with --b-stats off measures what the stats cost (issue 5). `nginx` is
// nginx with the bench's key-map config (bench/nginx.mjs, one worker), pinned like the rest.
//
// Both gateways are pinned to the same core (the backend and this process to the other), so
// neither gets the quieter core by luck. --strace also counts each one's system calls per
// request over one more round (strace slows it down; only the counts mean anything).
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { CACHE_DIR } from './build.mjs'
import { closedLoop, manyStreams } from './load.mjs'
import { findNginx, startNginx } from './nginx.mjs'
import { requests, rotate } from './phases.mjs'
import {
  corralConfig,
  newKey,
  procStats,
  startBackend,
  startCorral,
  startFloorProxy,
} from './procs.mjs'
import { fmt, median, table } from './stats.mjs'

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    req: { type: 'string', default: 'show' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '6' },
    ms: { type: 'string', default: '3000' },
    stats: { type: 'string', default: 'on' },
    logging: { type: 'string', default: 'on' },
    'b-stats': { type: 'string' },
    'b-logging': { type: 'string' },
    streams: { type: 'string', default: '200' },
    // Frames per stream: per-request work is spread over them (two runs give its share).
    frames: { type: 'string', default: '50' },
    strace: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'b-node': { type: 'string', default: '' },
    // A key's own fields as JSON (issue 15: `{"options":{"num_ctx":8192},"keepAliveMaxSeconds":60}`).
    'key-fields': { type: 'string' },
    'b-key-fields': { type: 'string' },
  },
})
if (positionals.length !== 2) {
  process.stderr.write(
    'usage: node bench/ab.mjs <bundleA.mjs|floor|nginx> <bundleB.mjs|floor|nginx> [options]\n',
  )
  process.exit(2)
}

const PROFILE_DIR = path.join(os.tmpdir(), `corral-ab-profile-${Date.now()}`)
const stopAll = []
try {
  // A non-streamed generate measures the gateway per request: the backend answers at once.
  const quick = o.req === 'generate'
  const backend = await startBackend(`${CACHE_DIR}/fake-ollama.mjs`, {
    stampFrames: true,
    frames: quick ? 1 : Number(o.frames),
    frameIntervalMs: quick ? 0 : 20,
  })
  stopAll.push(backend)
  pin(backend.pid, 0)
  pin(process.pid, 0)
  const { key, hash } = newKey()
  const variants = []
  for (const [i, bundle] of positionals.map((p) => path.resolve(p)).entries()) {
    // `floor` stands for bench/floor-proxy.mjs: what any Node proxy costs here;
    // `socket-floor` for bench/socket-floor.mjs: what any Node relay costs, HTTP or not.
    const floor = { floor: 'floor-proxy.mjs', 'socket-floor': 'socket-floor.mjs' }[
      path.basename(bundle)
    ]
    if (floor !== undefined) {
      const c = await startFloorProxy(backend.url, key, floor)
      stopAll.push(c)
      pin(c.pid, os.cpus().length - 1)
      variants.push({ name: i === 0 ? 'A' : 'B', bundle, c, pids: [c.pid], rounds: [] })
      continue
    }
    // `nginx` stands for nginx with the bench's key-map config (one worker), pinned likewise.
    if (path.basename(bundle) === 'nginx') {
      const bin = findNginx()
      if (bin === null) throw new Error('nginx is not installed')
      const c = await startNginx(bin, { backendUrl: backend.url, key })
      stopAll.push(c)
      const pids = [c.pid, ...c.workerPids()]
      for (const pid of pids) pin(pid, os.cpus().length - 1)
      variants.push({ name: i === 0 ? 'A' : 'B', bundle, c, pids, rounds: [] })
      continue
    }
    const stats = (i === 1 ? (o['b-stats'] ?? o.stats) : o.stats) !== 'off'
    const logging = (i === 1 ? (o['b-logging'] ?? o.logging) : o.logging) !== 'off'
    const config = corralConfig({ backendUrl: backend.url, keyHash: hash, stats })
    config.logging.enabled = logging
    const keyFields = i === 1 ? (o['b-key-fields'] ?? o['key-fields']) : o['key-fields']
    if (keyFields) Object.assign(config.keys[0], JSON.parse(keyFields))
    const nodeArgs = o['cpu-prof'] && i === 1 ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []
    const c = await startCorral(bundle, { config, label: `ab${i}`, nodeArgs, workers: 1 })
    stopAll.push(c)
    pin(c.pid, os.cpus().length - 1)
    const name = `${i === 0 ? 'A' : 'B'}${stats ? '' : ' stats off'}${logging ? '' : ' log off'}${nodeArgs.length && !o['cpu-prof'] ? ' ' + nodeArgs.join(' ') : ''}`
    variants.push({ name, bundle, c, pids: [c.pid], rounds: [] })
  }
  const reqs = requests(key)
  const streaming = o.req === 'chat'
  const run = (v, ms) =>
    streaming
      ? manyStreams({
          origin: v.c.url,
          request: reqs.chat,
          warmRequest: reqs.version,
          streams: Number(o.streams),
          durationMs: ms,
          rampMs: 500,
        })
      : closedLoop({
          origin: v.c.url,
          request: reqs[o.req],
          connections: Number(o.connections),
          durationMs: ms,
        })
  for (const v of variants) await run(v, 5000) // warm-up
  for (let round = 0; round < Number(o.rounds); round++) {
    for (const v of rotate(variants, round)) {
      const cpu0 = cpuOf(v.pids)
      const r = await run(v, Number(o.ms))
      const n = streaming ? r.frames : r.ok
      const cpu1 = cpuOf(v.pids)
      v.rounds.push({
        r,
        cpuUs: ((cpu1.cpuMs - cpu0.cpuMs) * 1000) / n,
        sysUs: ((cpu1.sysMs - cpu0.sysMs) * 1000) / n,
      })
      await sleep(200)
    }
  }
  const rows = [
    [
      'variant',
      streaming ? 'frames/s' : 'req/s',
      'p50 ms',
      'p99 ms',
      streaming ? 'cpu µs/frame' : 'cpu µs/req',
      'of which sys',
      streaming ? 'frames/s/core' : 'req/s/core',
      'errors',
    ],
  ]
  for (const v of variants) {
    const m = (f) => median(v.rounds.map(f))
    const lat = (x) => (streaming ? x.r.frameDelayMs : x.r.latencyMs)
    rows.push([
      `${v.name} ${v.bundle.split('/').pop()}`,
      fmt(
        m((x) => (streaming ? x.r.frames / (x.r.elapsedMs / 1000) : x.r.rps)),
        0,
      ),
      fmt(
        m((x) => lat(x).p50),
        3,
      ),
      fmt(
        m((x) => lat(x).p99),
        3,
      ),
      fmt(
        m((x) => x.cpuUs),
        1,
      ),
      fmt(
        m((x) => x.sysUs),
        1,
      ),
      fmt(1e6 / m((x) => x.cpuUs), 0),
      v.rounds.reduce((s, x) => s + x.r.errors, 0),
    ])
  }
  if (o.strace) {
    for (const v of variants) {
      const out = path.join(os.tmpdir(), `corral-ab-strace-${v.name}.txt`)
      const st = spawn('strace', ['-c', '-f', '-p', String(v.pids.at(-1)), '-o', out], {
        stdio: 'ignore',
      })
      await sleep(1000)
      const r = await run(v, Number(o.ms))
      st.kill('SIGINT')
      await new Promise((resolve) => st.once('exit', resolve))
      const n = streaming ? r.frames : r.ok
      const calls = readFileSync(out, 'utf8')
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 5 && /^\d+$/.test(f[3]) && f[f.length - 1] !== 'total')
        .map((f) => `${f[f.length - 1]} ${(Number(f[3]) / n).toFixed(2)}`)
      v.syscalls = calls.join(', ')
    }
  }
  process.stdout.write(
    `${o.req}, ${streaming ? o.streams + ' streams' : o.connections + ' connections'}, ${o.rounds} rounds of ${o.ms} ms\n${table(rows)}\n`,
  )
  for (const v of variants)
    if (v.syscalls)
      process.stdout.write(
        `${v.name} system calls per ${streaming ? 'frame' : 'request'}: ${v.syscalls}\n`,
      )
} finally {
  await Promise.all(stopAll.map((p) => p.stop().catch(() => {})))
  if (o['cpu-prof']) process.stdout.write(`CPU profile of B: ${PROFILE_DIR}\n`)
}

/** CPU time (user + system, ms) of a set of processes (nginx: master and worker). */
function cpuOf(pids) {
  const sum = { cpuMs: 0, sysMs: 0 }
  for (const pid of pids) {
    const s = procStats(pid)
    sum.cpuMs += s.cpuMs
    sum.sysMs += s.sysMs
  }
  return sum
}

/** Pins every thread of a process to one core (best effort: needs taskset). */
function pin(pid, core) {
  try {
    execFileSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' })
  } catch {
    // no taskset: unpinned
  }
}
