// The fleet burst (issue 30): four stand-in GPU machines, each streaming 30 tokens/s, and a
// team's worth of chats starting at the same moment (64, then 256), through Corral, through
// nginx round-robin over the same four, and direct (the client spreads them itself), in
// alternating rounds of one run. Per target: time to first byte, the delay added to each
// token (received here minus the backend's `sent_at` stamp), CPU per request and per frame,
// and the garbage collector's share of Corral's CPU.
//
//   node bench/fleet.mjs [--bursts 64,256] [--rounds 4] [--frames 60] [--tps 30] [--warm 6400]
//                        [--no-floor] [--corral <bundle>] [--compare <bundle>] [--cpu-prof] [--json]
//                        [--corral-node=<node flags>] [--compare-node=<node flags>]
//   (node flags for `corral`, or for `corral-before`, alone: with the same bundle in both, an
//   A/B of a V8 setting; swap the two to take out the targets' order)
//
// CPU per request is read from bursts of one-token chats (num_predict 1: the request's own
// work, one content frame and the done frame); CPU per frame from the difference between the
// full and the one-token bursts. Gateways run pinned to the last core, the rest (backends,
// this client) to the first, so the gateways compete with each other's rounds only.
// `npm run bench` runs it after the main phases (bench/run.mjs); bench/README.md has results.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { pathToFileURL } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles, ROOT } from './build.mjs'
import { clockOffset } from './clock.mjs'
import { findNginx, startNginx } from './nginx.mjs'
import { startCorral, startFloorProxy } from './procs.mjs'
import {
  chatOf,
  keeper,
  pinAll,
  STAND_INS,
  startStandIns,
  WARM_CHATS,
  warmUp,
} from './stand-ins.mjs'
import { treeOf, rotate, requests } from './phases.mjs'
import { burst, openPools } from './fleet-load.mjs'
import { gcFile } from './gc-probe.mjs'
import { printFleet, summarizeFleet } from './fleet-report.mjs'

const log = (msg) => process.stderr.write(`fleet: ${msg}\n`)

export async function runFleet(opts = {}) {
  const o = {
    bursts: [64, 256],
    rounds: 4,
    frames: 60,
    warm: WARM_CHATS,
    floor: true,
    tps: 30,
    cpuProf: false,
    ...opts,
  }
  const { start, stopAll } = keeper()
  try {
    return await fleet(o, start)
  } finally {
    await stopAll()
  }
}

async function fleet(o, start) {
  const bundles = o.corral ? { corral: o.corral, ...(await fakeOnly()) } : await buildBundles()
  const frameIntervalMs = 1000 / o.tps
  const maxBurst = Math.max(...o.bursts)
  // Room for the largest burst on the four together: a free slot is never the limit here.
  const capacity = Math.min(1024, Math.ceil(maxBurst / STAND_INS))
  const { key, backends, config } = await startStandIns(
    bundles.fakeOllama,
    { frames: o.frames, frameIntervalMs, capacity },
    start,
  )
  const offsets = []
  for (const b of backends) offsets.push((await clockOffset(b.child)).offsetMs)
  const clockOffsetMs = offsets.reduce((a, b) => a + b, 0) / offsets.length
  log(`backends' clock offsets ${offsets.map((x) => x.toFixed(3)).join(', ')} ms`)

  const probe = `--import=${pathToFileURL(path.join(ROOT, 'bench', 'gc-probe.mjs')).href}`
  const profDir = path.join(os.tmpdir(), `corral-fleet-profile-${Date.now()}`)
  if (o.cpuProf) mkdirSync(profDir, { recursive: true })
  const nodeArgs = [
    probe,
    ...(o.cpuProf ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${profDir}`] : []),
    ...(o.corralNode ?? []),
  ]
  const corral = await start(
    startCorral(bundles.corral, { config, nodeArgs, workers: 1, label: 'fleet-corral' }),
  )
  const before = o.compare
    ? await start(
        startCorral(path.resolve(o.compare), {
          config,
          nodeArgs: [probe, ...(o.compareNode ?? [])],
          workers: 1,
          label: 'fleet-before',
        }),
      )
    : null
  // What any Node proxy costs in the same burst: node:http, undici, no checks, stats or logs.
  const floor = o.floor
    ? await start(startFloorProxy(backends.map((b) => b.url).join(','), key))
    : null
  const nginxBin = findNginx()
  const nginx = nginxBin
    ? await start(startNginx(nginxBin, { backendUrls: backends.map((b) => b.url), key }))
    : null
  if (!nginx) log('nginx is not installed: its column is skipped (apt-get install nginx-light)')

  const cores = os.cpus().length
  const targets = [
    { name: 'direct', origins: backends.map((b) => b.url), pids: [] },
    { name: 'corral', origins: [corral.url], pids: [corral.pid], gc: true },
    ...(before
      ? [{ name: 'corral-before', origins: [before.url], pids: [before.pid], gc: true }]
      : []),
    ...(floor ? [{ name: 'node-floor', origins: [floor.url], pids: [floor.pid] }] : []),
    ...(nginx ? [{ name: 'nginx', origins: [nginx.url], pids: [nginx.pid] }] : []),
  ]
  pinAll(
    backends,
    targets.flatMap((t) => t.pids),
  )

  const reqs = requests(key)
  const full = reqs.chat
  const oneToken = chatOf(full, 1)
  for (const t of targets) t.pools = await openPools(t.origins, maxBurst, reqs.version)
  // A gateway a team has used for a minute: the first burst after start (kept as `cold`) runs
  // before V8 has compiled the hot paths, and the JIT is still at it for thousands of requests
  // (its compiler threads cost Corral about as much CPU as the requests' own work after 500).
  // Every target gets the same warm-up; nginx and direct need none, and lose nothing by it.
  log(`warming up (${o.warm} one-token chats per target, in bursts of 64)`)
  const cold = {}
  for (const t of targets) {
    cold[t.name] = await burst(t.pools, oneToken, 64, clockOffsetMs)
    await warmUp(t.pools, oneToken, o.warm - 64, clockOffsetMs)
    await burst(t.pools, oneToken, maxBurst, clockOffsetMs)
  }

  const results = {}
  for (const size of o.bursts) {
    for (let round = 0; round < o.rounds; round++) {
      for (const t of rotate(targets, round)) {
        const short = await measured(t, () => burst(t.pools, oneToken, size, clockOffsetMs))
        await sleep(200)
        const long = await measured(t, () => burst(t.pools, full, size, clockOffsetMs))
        ;((results[size] ??= {})[t.name] ??= []).push({ short, long })
        log(
          `burst ${size} round ${round + 1} ${t.name}: ttfb p50 ${long.ttfbMs.p50.toFixed(1)} ` +
            `p99 ${long.ttfbMs.p99.toFixed(1)} ms, token delay p50 ${long.frameDelayMs.p50.toFixed(2)} ` +
            `p99 ${long.frameDelayMs.p99.toFixed(2)} ms, errors ${long.errors + short.errors}` +
            (long.gcMs === undefined ? '' : `, gc ${gcText(long)}`),
        )
        await sleep(300)
      }
    }
  }
  for (const t of targets) await Promise.all(t.pools.map((p) => p.close()))
  const out = {
    settings: { ...o, backends: STAND_INS, frameIntervalMs, capacityPerBackend: capacity },
    machine: { cpus: cores, node: process.version, loadAverageAtEnd: os.loadavg() },
    clockOffsetsMs: offsets,
    cold: Object.fromEntries(
      Object.entries(cold).map(([name, r]) => [name, { ttfbMs: r.ttfbMs, errors: r.errors }]),
    ),
    results,
    finishedAt: new Date().toISOString(),
  }
  out.summary = summarizeFleet(out)
  if (o.cpuProf) out.cpuProfileDir = profDir
  return out
}

/** Runs one burst with the target's CPU (and Corral's GC) counted around it. */
async function measured(t, run) {
  const pids = treeOf(t.pids)
  const cpu0 = cpuNs(pids)
  const gc0 = t.gc ? await gcTotals(t.pids[0]) : null
  const r = await run()
  const cpu1 = cpuNs(pids)
  r.cpuMs = pids.length ? (cpu1.all - cpu0.all) / 1e6 : null
  r.mainCpuMs = pids.length ? (cpu1.main - cpu0.main) / 1e6 : null
  if (gc0) {
    const gc1 = await gcTotals(t.pids[0])
    r.gcMs = gc1.gcMs - gc0.gcMs
    // Which collections paused it, and the longest: a full one at a burst's start is its TTFB.
    r.gcByKind = Object.fromEntries(
      Object.entries(gc1.byKind).map(([kind, ms]) => [kind, ms - (gc0.byKind[kind] ?? 0)]),
    )
    r.gcMaxMs = gc1.maxMs ?? null
  }
  return r
}

/**
 * CPU time of every thread of these processes, and of their main threads alone (tid = pid:
 * what bounds a burst's first bytes), in nanoseconds: /proc/<pid>/task/<tid>/schedstat (its
 * first field), where /proc/<pid>/stat counts in ticks of 10 ms, too coarse for a burst.
 */
export function cpuNs(pids) {
  let all = 0
  let main = 0
  for (const pid of pids) {
    let tids = []
    try {
      tids = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue
    }
    for (const tid of tids) {
      try {
        const ns = Number(
          readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0],
        )
        all += ns
        if (Number(tid) === pid) main += ns
      } catch {
        // the thread ended in between
      }
    }
  }
  return { all, main }
}

/** A burst's collections, e.g. `12.1 ms (major 9.8, minor 2.3; longest 9.8)`. */
function gcText(r) {
  const kinds = Object.entries(r.gcByKind)
    .filter(([, ms]) => ms > 0.05)
    .map(([kind, ms]) => `${kind} ${ms.toFixed(1)}`)
  const longest = r.gcMaxMs ? `; longest ${r.gcMaxMs.toFixed(1)}` : ''
  return `${r.gcMs.toFixed(1)} ms` + (kinds.length ? ` (${kinds.join(', ')}${longest})` : '')
}

/** The GC probe's totals in a Corral process (bench/gc-probe.mjs). */
async function gcTotals(pid) {
  const file = gcFile(pid)
  rmSync(file, { force: true })
  process.kill(pid, 'SIGUSR2')
  for (let i = 0; i < 100; i++) {
    await sleep(5)
    try {
      return JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      // not written yet
    }
  }
  throw new Error(`no GC totals from ${pid}`)
}

async function fakeOnly() {
  const { fakeOllama } = await buildBundles('fleet-fake-only')
  return { fakeOllama }
}

// `node bench/fleet.mjs ...`
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values: f } = parseArgs({
    options: {
      bursts: { type: 'string', default: '64,256' },
      rounds: { type: 'string', default: '4' },
      frames: { type: 'string', default: '60' },
      tps: { type: 'string', default: '30' },
      warm: { type: 'string', default: String(WARM_CHATS) },
      'no-floor': { type: 'boolean', default: false },
      corral: { type: 'string' },
      compare: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'corral-node': { type: 'string', default: '' },
      'compare-node': { type: 'string', default: '' },
    },
  })
  const result = await runFleet({
    bursts: f.bursts.split(',').map(Number),
    rounds: Number(f.rounds),
    frames: Number(f.frames),
    tps: Number(f.tps),
    warm: Number(f.warm),
    floor: !f['no-floor'],
    corral: f.corral ? path.resolve(f.corral) : undefined,
    compare: f.compare,
    cpuProf: f['cpu-prof'],
    corralNode: f['corral-node'].split(/\s+/).filter(Boolean),
    compareNode: f['compare-node'].split(/\s+/).filter(Boolean),
  })
  const dir = path.join(ROOT, 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, `fleet-${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n')
  if (f.json) process.stdout.write(JSON.stringify(result.summary, null, 2) + '\n')
  else printFleet(result)
  process.stdout.write(`\nResults: ${path.relative(process.cwd(), file)}\n`)
}
