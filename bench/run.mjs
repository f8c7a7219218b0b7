// `npm run bench`: Corral against going direct to the backend and against nginx with the
// classic key-map config, in one run, in alternating rounds. See bench/README.md.
//
//   node bench/run.mjs [--quick] [--only small|streams|fleet] [--skip-idle] [--cpu-prof]
//                      [--compare <corral bundle>] [--no-floor] [--no-workers] [--no-fleet]
//
// The fleet burst (bench/fleet.mjs: four stand-ins, 64 and 256 chats at once) runs last,
// on processes of its own, unless --no-fleet or --only small|streams.
//
// --compare adds a target `corral-before`: another build of the gateway (node bench/build.mjs
// <label> <source dir>) with the same config, measured in the same rounds. `node-floor`, the
// least a Node proxy does (bench/floor-proxy.mjs), and `socket-floor`, the least any Node relay
// does (bench/socket-floor.mjs: socket to socket, no HTTP), run as references unless --no-floor.
// `corral-w2` (`corral serve --workers 2`) and `nginx-w2` (`worker_processes 2`) run unless
// --no-workers; a gateway without the flag is skipped with a note, the rest still runs.
//
// Environment: BENCH_IDLE_SECONDS (60), BENCH_ROUNDS (3), BENCH_DURATION_MS (4000),
// BENCH_WARMUP_MS (1000), BENCH_JIT_WARMUP_MS (5000), BENCH_PACED_RPS (200), BENCH_STREAMS
// (500), BENCH_FRAMES (100), BENCH_FRAME_INTERVAL_MS (20), BENCH_STREAM_MS (8000),
// BENCH_RAMP_MS (1000), BENCH_NGINX (path of the nginx binary), BENCH_FLEET_ROUNDS (4),
// BENCH_FLEET_FRAMES (60), BENCH_FLEET_WARM (6400 one-token chats per target before measuring).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles, ROOT } from './build.mjs'
import { clockOffset, driftFromWallClockMs } from './clock.mjs'
import { idleCpu, requests, smallRequests, streams, treeOf, warmUp } from './phases.mjs'
import { findNginx, nginxVersion, startNginx } from './nginx.mjs'
import {
  corralConfig,
  newKey,
  procStats,
  startBackend,
  startCorral,
  startFloorProxy,
  treeStats,
} from './procs.mjs'
import { machineInfo, printReport, summarize } from './report.mjs'
import { runFleet } from './fleet.mjs'
import { printFleet } from './fleet-report.mjs'

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'skip-idle': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    compare: { type: 'string' },
    floor: { type: 'boolean', default: true },
    'no-floor': { type: 'boolean', default: false },
    workers: { type: 'boolean', default: true },
    'no-workers': { type: 'boolean', default: false },
    'no-fleet': { type: 'boolean', default: false },
  },
})
/** Worker processes of the multi-process targets (`corral-w2`, `nginx-w2`), 0 with --no-workers. */
const WORKERS = flags.workers && !flags['no-workers'] ? 2 : 0
const quick = flags.quick
const num = (name, full, short) => Number(process.env[name] ?? (quick ? short : full))
const settings = {
  quick,
  idleSeconds: num('BENCH_IDLE_SECONDS', 60, 5),
  rounds: num('BENCH_ROUNDS', 3, 2),
  durationMs: num('BENCH_DURATION_MS', 4000, 800),
  warmupMs: num('BENCH_WARMUP_MS', 1000, 300),
  jitWarmupMs: num('BENCH_JIT_WARMUP_MS', 5000, 1000),
  pacedRps: num('BENCH_PACED_RPS', 200, 200),
  streams: num('BENCH_STREAMS', 500, 500),
  frames: num('BENCH_FRAMES', 100, 25),
  frameIntervalMs: num('BENCH_FRAME_INTERVAL_MS', 20, 20),
  streamMs: num('BENCH_STREAM_MS', 8000, 2000),
  rampMs: num('BENCH_RAMP_MS', 1000, 500),
  workers: WORKERS,
}
const runSmall = flags.only === undefined || flags.only === 'small'
const runStreams = flags.only === undefined || flags.only === 'streams'
const runFleetPhase = (flags.only === undefined && !flags['no-fleet']) || flags.only === 'fleet'
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const resultsDir = path.join(ROOT, 'bench', 'results')
const log = (msg) => process.stderr.write(`bench: ${msg}\n`)

const procs = []
/** Targets that could not run, and why: printed, and kept in the results. */
const notes = []
try {
  if (runSmall || runStreams) await main()
} finally {
  await Promise.all(procs.map((p) => p.stop().catch(() => {})))
}
if (runFleetPhase) await fleetPhase()

/** The fleet burst, after the rest has stopped: its own stand-ins, gateways and results file. */
async function fleetPhase() {
  log('fleet burst: four stand-ins, chats starting at once (bench/fleet.mjs)')
  const result = await runFleet({
    bursts: quick ? [64] : [64, 256],
    rounds: num('BENCH_FLEET_ROUNDS', 4, 2),
    frames: num('BENCH_FLEET_FRAMES', 60, 30),
    warm: num('BENCH_FLEET_WARM', 6400, 640),
    compare: flags.compare ? path.resolve(flags.compare) : undefined,
  })
  mkdirSync(resultsDir, { recursive: true })
  const file = path.join(resultsDir, `fleet-${stamp}.json`)
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n')
  printFleet(result)
  process.stdout.write(`\nFleet results: ${path.relative(process.cwd(), file)}\n`)
}

async function main() {
  log('bundling the gateway and the stand-in backend')
  const bundles = await buildBundles()
  const { key, hash } = newKey()
  const backend = await start(
    startBackend(bundles.fakeOllama, {
      stampFrames: true,
      frames: settings.frames,
      frameIntervalMs: settings.frameIntervalMs,
    }),
  )
  const clock = await clockOffset(backend.child)
  log(`backend clock offset ${clock.offsetMs.toFixed(3)} ms (±${(clock.rttMs / 2).toFixed(3)})`)

  const profDir = path.join(os.tmpdir(), `corral-bench-profile-${stamp}`)
  if (flags['cpu-prof']) mkdirSync(profDir, { recursive: true })
  const cpuProf = flags['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []
  const corral = await start(
    startCorral(bundles.corral, {
      config: corralConfig({ backendUrl: backend.url, keyHash: hash }),
      nodeArgs: cpuProf,
      // Said outright: headless `serve` defaults to --workers auto, a cluster on 4+ cores.
      workers: 1,
      label: 'corral',
    }),
  )
  const noStats = await start(
    startCorral(bundles.corral, {
      config: corralConfig({ backendUrl: backend.url, keyHash: hash, stats: false }),
      workers: 1,
      label: 'corral-nostats',
    }),
  )
  const before = flags.compare
    ? await start(
        startCorral(path.resolve(flags.compare), {
          config: corralConfig({ backendUrl: backend.url, keyHash: hash }),
          workers: 1,
          label: 'corral-before',
        }),
      )
    : null
  const floors = flags.floor && !flags['no-floor']
  const floor = floors ? await start(startFloorProxy(backend.url, key)) : null
  // Below any Node proxy: bytes from socket to socket, nothing parsed (bench/socket-floor.mjs).
  const socketFloor = floors
    ? await start(startFloorProxy(backend.url, key, 'socket-floor.mjs'))
    : null
  // The same bundle and config as `corral`, as a cluster: a primary and WORKERS workers.
  const corralW2 = WORKERS
    ? await optional(
        'corral-w2',
        startCorral(bundles.corral, {
          config: corralConfig({ backendUrl: backend.url, keyHash: hash }),
          workers: WORKERS,
          label: 'corral-w2',
        }),
      )
    : null
  const nginxBin = findNginx()
  const nginx = nginxBin
    ? await start(startNginx(nginxBin, { backendUrl: backend.url, key }))
    : null
  if (!nginx) {
    log('nginx is not installed: its columns are skipped (apt-get install nginx-light)')
    notes.push('nginx and nginx-w2 skipped: nginx is not installed')
  }
  if (!WORKERS) notes.push('corral-w2 and nginx-w2 left out (--no-workers)')
  const nginxW2 =
    nginxBin && WORKERS
      ? await optional(
          'nginx-w2',
          startNginx(nginxBin, { backendUrl: backend.url, key, workers: WORKERS }),
        )
      : null

  // pids are the roots: CPU and memory are counted over every process below them too.
  const targets = [
    { name: 'direct', url: backend.url, pids: [] },
    { name: 'corral', url: corral.url, pids: [corral.pid] },
    ...(corralW2
      ? [{ name: 'corral-w2', url: corralW2.url, pids: [corralW2.pid], oneConnection: false }]
      : []),
    ...(nginx ? [{ name: 'nginx', url: nginx.url, pids: [nginx.pid] }] : []),
    ...(nginxW2
      ? [{ name: 'nginx-w2', url: nginxW2.url, pids: [nginxW2.pid], oneConnection: false }]
      : []),
    { name: 'corral-nostats', url: noStats.url, pids: [noStats.pid] },
    ...(before ? [{ name: 'corral-before', url: before.url, pids: [before.pid] }] : []),
    ...(floor ? [{ name: 'node-floor', url: floor.url, pids: [floor.pid] }] : []),
    ...(socketFloor
      ? [{ name: 'socket-floor', url: socketFloor.url, pids: [socketFloor.pid] }]
      : []),
  ]
  const result = {
    settings,
    machine: { ...machineInfo(), nginx: nginxBin ? nginxVersion(nginxBin) : null },
    clock: { ...clock, selfDriftFromDateNowMs: driftFromWallClockMs() },
    targets: Object.fromEntries(targets.map((t) => [t.name, t.url])),
    processes: Object.fromEntries(targets.map((t) => [t.name, treeOf(t.pids).length])),
    notes,
    memory: {},
    idle: {},
    small: {},
    streams: {},
    startedAt: new Date().toISOString(),
  }

  await sleep(2000)
  result.memory.idleAfterStartMb = procStats(corral.pid).rssMb
  result.memory.idleAfterStartNoStatsMb = procStats(noStats.pid).rssMb
  result.memory.idleAfterStartByTargetMb = treeRss(targets)
  // Idle first, on fresh processes: what a gateway nobody uses costs (timers, GC).
  if (!flags['skip-idle']) {
    const watched = [
      ...targets.filter((t) => t.pids.length),
      { name: 'backend', pids: [backend.pid] },
    ]
    result.idle = await idleCpu(
      Object.fromEntries(watched.map((t) => [t.name, t.pids])),
      settings.idleSeconds,
    )
    result.memory.idleMb = procStats(corral.pid).rssMb
    result.memory.idleNoStatsMb = procStats(noStats.pid).rssMb
    result.memory.idleByTargetMb = treeRss(targets)
  }
  const reqs = requests(key)
  await warmUp(targets, reqs, settings)
  if (runSmall) result.small = await smallRequests(targets, reqs, settings, backend.pid)
  if (runStreams) {
    const s = await streams(targets, reqs, settings, clock.offsetMs, backend.pid)
    result.streams = s.byTarget
    result.memory.peakUnderStreamsMb = s.peakRssMb.corral
    result.memory.peakUnderStreamsNoStatsMb = s.peakRssMb['corral-nostats']
    result.memory.peakUnderStreamsNginxMb = s.peakRssMb.nginx
    result.memory.peakUnderStreamsByTargetMb = s.peakRssMb
  }

  await sleep(5000)
  const after = procStats(corral.pid)
  result.memory.idleAfterLoadMb = after.rssMb
  result.memory.hwmMb = after.hwmMb
  result.memory.idleAfterLoadByTargetMb = treeRss(targets)
  result.machine.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(2))
  result.finishedAt = new Date().toISOString()
  result.summary = summarize(result)

  mkdirSync(resultsDir, { recursive: true })
  const file = path.join(resultsDir, `${stamp}.json`)
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n')
  printReport(result)
  process.stdout.write(`\nResults: ${path.relative(process.cwd(), file)}\n`)
  if (flags['cpu-prof'])
    process.stdout.write(`CPU profile (written when Corral stops): ${profDir}\n`)
}

/** RSS of every proxy target, summed over its processes (primary and workers). */
function treeRss(targets) {
  return Object.fromEntries(
    targets.filter((t) => t.pids.length).map((t) => [t.name, treeStats(treeOf(t.pids)).rssMb]),
  )
}

/**
 * Starts a target the run can do without: if it fails (a gateway without `--workers`), the
 * run goes on without it, with a note saying why.
 */
async function optional(name, promise) {
  try {
    return await start(promise)
  } catch (err) {
    const note = `${name} skipped: ${err.summary ?? err.message}`
    log(note)
    notes.push(note)
    // The reason is in the note; the failed start's data dir has nothing more to keep.
    if (err.dataDir) rmSync(err.dataDir, { recursive: true, force: true })
    return null
  }
}

/** Starts a child and remembers it for the final clean-up. */
async function start(promise) {
  const p = await promise
  procs.push(p)
  return p
}
