// Turning the rounds into medians, ratios and pass/fail against the targets, and printing them.
import os from 'node:os'
import { fmt, median, table } from './stats.mjs'

export function machineInfo() {
  const cpus = os.cpus()
  return {
    host: os.hostname(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGb: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  }
}

const med = (rounds, pick) => median(rounds.map(pick))
/** Median over rounds of a value computed from the same round of two targets. */
const paired = (a, b, f) =>
  median(a.slice(0, Math.min(a.length, b.length)).map((x, i) => f(x, b[i])))

/** The multi-process targets' names (`corral serve --workers 2`, `worker_processes 2`). */
export const CORRAL_W2 = 'corral-w2'
export const NGINX_W2 = 'nginx-w2'
/** The bare Node proxies of a run (bench/floor-proxy.mjs, bench/socket-floor.mjs). */
const FLOORS = ['node-floor', 'socket-floor']
/** The small-request runs whose throughput the issue's targets are about. */
const THROUGHPUT_IDS = ['tags c32', 'show c32']
/** The streams targets the issue asks frames/s per core of, in its order. */
const PER_CORE = ['direct', 'nginx', NGINX_W2, 'corral', CORRAL_W2, 'node-floor', 'socket-floor']

const rpsRatio = (a, b) => paired(a ?? [], b ?? [], (x, y) => x.rps / y.rps)

export function summarize(result) {
  const small = {}
  const throughput = {}
  for (const [id, byTarget] of Object.entries(result.small)) {
    const direct = byTarget.direct ?? []
    const nginx = byTarget.nginx ?? []
    const nginxW2 = byTarget[NGINX_W2] ?? []
    small[id] = {}
    for (const [target, rounds] of Object.entries(byTarget)) {
      small[id][target] = {
        rps: med(rounds, (r) => r.rps),
        p50: med(rounds, (r) => r.latencyMs.p50),
        p99: med(rounds, (r) => r.latencyMs.p99),
        errors: rounds.reduce((n, r) => n + r.errors, 0),
        cpuUsPerRequest: med(rounds, (r) => r.proxyCpuUsPerRequest ?? NaN),
        // % of one core over the run: the proxy's processes, the backend, the load generator.
        proxyCpuPercent: med(rounds, (r) => r.proxyCpuPercent ?? NaN),
        backendCpuPercent: med(rounds, (r) => r.backendCpuPercent ?? NaN),
        loadCpuPercent: med(rounds, (r) => r.loadCpuPercent ?? NaN),
        addedP50: paired(rounds, direct, (r, d) => r.latencyMs.p50 - d.latencyMs.p50),
        addedP99: paired(rounds, direct, (r, d) => r.latencyMs.p99 - d.latencyMs.p99),
        vsNginx: paired(rounds, nginx, (r, n) => r.rps / n.rps),
        vsNginxW2: paired(rounds, nginxW2, (r, n) => r.rps / n.rps),
        vsDirect: paired(rounds, direct, (r, d) => r.rps / d.rps),
        processes: med(rounds, (r) => r.processes ?? NaN),
      }
    }
    const full = byTarget.corral
    const off = byTarget['corral-nostats']
    if (full && off) small[id].statsCost = paired(full, off, (f, o) => 1 - f.rps / o.rps)
    // Medians of per-round ratios: one worker each, two workers each, and what the second
    // worker gave each of them.
    if (THROUGHPUT_IDS.includes(id))
      throughput[id] = {
        corralVsNginx: rpsRatio(byTarget.corral, nginx),
        corralW2VsNginxW2: rpsRatio(byTarget[CORRAL_W2], nginxW2),
        corralW2VsCorral: rpsRatio(byTarget[CORRAL_W2], byTarget.corral),
        nginxW2VsNginx: rpsRatio(nginxW2, nginx),
      }
  }

  const streams = {}
  const sDirect = result.streams.direct ?? []
  const sNginx = result.streams.nginx ?? []
  const sNginxW2 = result.streams[NGINX_W2] ?? []
  const cpuRatio = (a, b) => (a.proxyCpuUsPerFrame ?? NaN) / (b.proxyCpuUsPerFrame ?? NaN)
  for (const [target, rounds] of Object.entries(result.streams)) {
    const cpuUsPerFrame = med(rounds, (r) => r.proxyCpuUsPerFrame ?? NaN)
    const backendCpuUsPerFrame = med(rounds, (r) => r.backendCpuUsPerFrame ?? NaN)
    streams[target] = {
      ttfbP50: med(rounds, (r) => r.ttfbMs.p50),
      ttfbP99: med(rounds, (r) => r.ttfbMs.p99),
      frameP50: med(rounds, (r) => r.frameDelayMs.p50),
      frameP99: med(rounds, (r) => r.frameDelayMs.p99),
      frameMax: med(rounds, (r) => r.frameDelayMs.max),
      streams: rounds.reduce((n, r) => n + r.streams, 0),
      frames: rounds.reduce((n, r) => n + r.frames, 0),
      errors: rounds.reduce((n, r) => n + r.errors, 0),
      cpuUsPerFrame,
      backendCpuUsPerFrame,
      // Frames one core would relay at this CPU per frame (all the target's processes'); for
      // direct, which has no proxy, the backend's own: what producing a frame costs.
      framesPerCore: 1e6 / (target === 'direct' ? backendCpuUsPerFrame : cpuUsPerFrame),
      processes: med(rounds, (r) => r.processes ?? NaN),
      cpuVsNginx: paired(rounds, sNginx, cpuRatio),
      cpuVsNginxW2: paired(rounds, sNginxW2, cpuRatio),
      ttfbVsDirect: paired(rounds, sDirect, (r, d) => r.ttfbMs.p50 / d.ttfbMs.p50),
      addedP50: paired(rounds, sDirect, (r, d) => r.frameDelayMs.p50 - d.frameDelayMs.p50),
      addedP99: paired(rounds, sDirect, (r, d) => r.frameDelayMs.p99 - d.frameDelayMs.p99),
      addedMax: paired(rounds, sDirect, (r, d) => r.frameDelayMs.max - d.frameDelayMs.max),
      p99VsNginx: paired(rounds, sNginx, (r, n) => r.frameDelayMs.p99 - n.frameDelayMs.p99),
    }
  }
  // Every one the issue names, null for one that did not run (skipped, --no-floor...).
  const framesPerCore = Object.fromEntries(
    PER_CORE.map((t) => [t, streams[t]?.framesPerCore ?? null]),
  )
  return {
    small,
    throughput,
    streams,
    framesPerCore,
    targets: checkTargets(result, small, streams, throughput),
  }
}

function checkTargets(result, small, streams, throughput) {
  const out = []
  // `floors`: the same figure for the Node floors of the run, where the target has one. A
  // target a floor misses too, that bare Node proxy misses on this machine in this run.
  const check = (name, value, limit, ok, floors = {}) =>
    out.push({
      name,
      value,
      limit,
      pass: Number.isFinite(value) ? ok(value) : null,
      floors: Object.entries(floors)
        .filter(([, v]) => Number.isFinite(v))
        .map(([floor, v]) => ({ name: floor, value: v, pass: ok(v) })),
    })
  const floorsOf = (byTarget, figure) =>
    Object.fromEntries(FLOORS.map((f) => [f, byTarget?.[f]?.[figure]]))
  const atMost = (limit) => (v) => v <= limit
  for (const id of THROUGHPUT_IDS) {
    const closed = small[id]
    const c = closed?.corral
    if (!c) continue
    const paced = small[`${id} paced`]
    const p = paced?.corral
    check(
      `${id}: Corral / nginx throughput`,
      c.vsNginx,
      '>= 0.5',
      (v) => v >= 0.5,
      floorsOf(closed, 'vsNginx'),
    )
    // Issue 16, with n/a when either side did not run (--no-workers, a gateway without it).
    check(
      `${id}: Corral --workers 2 / nginx 2 workers throughput`,
      throughput[id]?.corralW2VsNginxW2,
      '>= 0.9',
      (v) => v >= 0.9,
    )
    check(
      `${id} paced: added p50 (ms)`,
      p?.addedP50,
      '<= 0.3',
      atMost(0.3),
      floorsOf(paced, 'addedP50'),
    )
    check(
      `${id} paced: added p99 (ms)`,
      p?.addedP99,
      '<= 2',
      atMost(2),
      floorsOf(paced, 'addedP99'),
    )
    check(
      `${id} closed loop: added p50 (ms)`,
      c.addedP50,
      '<= 0.3',
      atMost(0.3),
      floorsOf(closed, 'addedP50'),
    )
    check(
      `${id} closed loop: added p99 (ms)`,
      c.addedP99,
      '<= 2',
      atMost(2),
      floorsOf(closed, 'addedP99'),
    )
    check(`${id}: stats cost (1 - full/stats-off)`, closed.statsCost, '< 0.05', (v) => v < 0.05)
  }
  const s = streams.corral
  if (s) {
    check(
      'streams: TTFB p50 / direct',
      s.ttfbVsDirect,
      '<= 1.5',
      atMost(1.5),
      floorsOf(streams, 'ttfbVsDirect'),
    )
    check(
      'streams: frame delay p99 - nginx p99 (ms)',
      s.p99VsNginx,
      '<= 5',
      atMost(5),
      floorsOf(streams, 'p99VsNginx'),
    )
    check('streams: errors', s.errors, '= 0', (v) => v === 0)
    check(
      'streams: CPU per relayed frame / nginx',
      s.cpuVsNginx,
      '<= 1.3',
      atMost(1.3),
      floorsOf(streams, 'cpuVsNginx'),
    )
  }
  const m = result.memory
  check('RSS idle (MB)', m.idleMb, '<= 90', (v) => v <= 90)
  check('RSS peak under streams (MB)', m.peakUnderStreamsMb, '<= 150', (v) => v <= 150)
  check('idle CPU (%)', result.idle.corral?.percent, '< 1', (v) => v < 1)
  return out
}

export function printReport(result) {
  const { summary: sum, machine: m } = result
  const w = (s) => process.stdout.write(s + '\n')
  w(`\nCorral benchmark — ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, node ${m.node}`)
  w(
    `load average at start ${m.loadAverageAtStart.join(' ')}, at end ${(m.loadAverageAtEnd ?? []).join(' ')}; ${m.nginx ?? 'nginx: not installed (skipped)'}`,
  )
  w(
    `medians of ${result.settings.rounds} alternating rounds; added = target minus direct, same round\n`,
  )
  for (const note of result.notes ?? []) w(`note: ${note}`)
  const multi = Object.entries(result.processes ?? {}).filter(([, n]) => n > 1)
  if (multi.length)
    w(
      `processes per target (CPU and RSS summed over each): ${multi.map(([t, n]) => `${t} ${n}`).join(', ')}`,
    )
  if (result.notes?.length || multi.length) w('')

  const rows = [
    [
      'small requests',
      'target',
      'req/s',
      'p50 ms',
      'p99 ms',
      '+p50 ms',
      '+p99 ms',
      'vs nginx',
      'vs nginx-w2',
      'cpu µs/req',
      'proxy %cpu',
      'backend %cpu',
      'bench %cpu',
      'errors',
    ],
  ]
  for (const [id, byTarget] of Object.entries(sum.small)) {
    for (const [t, v] of Object.entries(byTarget)) {
      if (t === 'statsCost') continue
      rows.push([
        id,
        t,
        fmt(v.rps, 0),
        fmt(v.p50, 3),
        fmt(v.p99, 3),
        fmt(v.addedP50, 3),
        fmt(v.addedP99, 3),
        fmt(v.vsNginx),
        fmt(v.vsNginxW2),
        fmt(v.cpuUsPerRequest, 0),
        fmt(v.proxyCpuPercent, 0),
        fmt(v.backendCpuPercent, 0),
        fmt(v.loadCpuPercent, 0),
        v.errors,
      ])
    }
    if (byTarget.statsCost !== undefined)
      rows.push([id, 'stats cost', `${fmt(byTarget.statsCost * 100, 1)}%`])
  }
  if (rows.length > 1) {
    w(table(rows))
    w(
      `%cpu: of one core over the run (${m.cores} cores here). The backend and the bench (the load ` +
        'generator) each have one JavaScript thread: near 100 % it, not the proxy, capped the run.\n',
    )
  }

  const trs = Object.entries(sum.throughput ?? {})
  if (trs.length) {
    const rrows = [
      [
        'throughput (median of round ratios)',
        'corral / nginx (>= 0.5)',
        'corral-w2 / nginx-w2 (>= 0.9)',
        'corral-w2 / corral',
        'nginx-w2 / nginx',
      ],
    ]
    for (const [id, r] of trs)
      rrows.push([
        id,
        fmt(r.corralVsNginx),
        fmt(r.corralW2VsNginxW2),
        fmt(r.corralW2VsCorral),
        fmt(r.nginxW2VsNginx),
      ])
    w(table(rrows) + '\n')
  }

  const srows = [
    [
      '500 streams',
      'ttfb p50',
      'ttfb p99',
      'vs direct',
      'frame p50',
      'p99',
      'max',
      '+p50',
      '+p99',
      '+max',
      'p99-nginx',
      'cpu µs/frame',
      'frames/s/core',
      'vs nginx',
      'vs nginx-w2',
      'backend µs/frame',
      'errors',
    ],
  ]
  for (const [t, v] of Object.entries(sum.streams)) {
    srows.push([
      t,
      fmt(v.ttfbP50),
      fmt(v.ttfbP99),
      fmt(v.ttfbVsDirect),
      fmt(v.frameP50),
      fmt(v.frameP99),
      fmt(v.frameMax),
      fmt(v.addedP50),
      fmt(v.addedP99),
      fmt(v.addedMax),
      fmt(v.p99VsNginx),
      fmt(v.cpuUsPerFrame, 1),
      t === 'direct' ? `${fmt(v.framesPerCore, 0)}¹` : fmt(v.framesPerCore, 0),
      fmt(v.cpuVsNginx),
      fmt(v.cpuVsNginxW2),
      fmt(v.backendCpuUsPerFrame, 1),
      v.errors,
    ])
  }
  if (srows.length > 1) {
    w(table(srows) + '  (ms)')
    w(
      "¹ direct has no proxy: the backend's own frames/s per core. CPU is every process of a target (primary and workers).",
    )
    const pc = Object.entries(sum.framesPerCore ?? {}).map(([t, v]) => [t, v ?? 'not run'])
    if (pc.length) w(`frames/s per core: ${pc.map(([t, v]) => `${t} ${fmt(v, 0)}`).join(', ')}`)
    w('')
  }

  const mem = result.memory
  w(
    `memory (Corral, MB): 2 s after start ${fmt(mem.idleAfterStartMb, 1)} (stats off ${fmt(mem.idleAfterStartNoStatsMb, 1)}), idle ${result.idle.seconds ? fmt(result.idle.seconds, 0) + ' s' : '-'} ${fmt(mem.idleMb, 1)} (stats off ${fmt(mem.idleNoStatsMb, 1)}), peak under streams ${fmt(mem.peakUnderStreamsMb, 1)} (stats off ${fmt(mem.peakUnderStreamsNoStatsMb, 1)}), idle after load ${fmt(mem.idleAfterLoadMb, 1)}, VmHWM ${fmt(mem.hwmMb, 1)}; nginx peak under streams ${fmt(mem.peakUnderStreamsNginxMb, 1)}`,
  )
  const byTarget = (field) =>
    multi
      .map(([t]) => [t, mem[field]?.[t]])
      .filter(([, v]) => v !== undefined)
      .map(([t, v]) => `${t} ${fmt(v, 1)}`)
      .join(', ')
  if (multi.length)
    w(
      `memory of the multi-process targets (RSS summed over their processes, MB): 2 s after start ${byTarget('idleAfterStartByTargetMb') || '-'}; peak under streams ${byTarget('peakUnderStreamsByTargetMb') || '-'}; after load ${byTarget('idleAfterLoadByTargetMb') || '-'}`,
    )
  if (result.idle.seconds) {
    const parts = Object.entries(result.idle)
      .filter(([k]) => k !== 'seconds')
      .map(([k, v]) => `${k} ${fmt(v.percent, 3)}% (${fmt(v.cpuMs, 0)} ms)`)
    w(`idle CPU over ${fmt(result.idle.seconds, 0)} s: ${parts.join(', ')}`)
  }
  w(
    `clock: backend offset ${fmt(result.clock.offsetMs, 3)} ms ± ${fmt(result.clock.rttMs / 2, 3)}\n`,
  )

  const verdict = (pass) => (pass === null ? 'n/a' : pass ? 'PASS' : 'MISS')
  // The floors' column only when a floor ran (not with --no-floor, nor in an old result).
  const withFloors = sum.targets.some((t) => t.floors?.length)
  const trows = [
    ['target', 'value', 'limit', 'result', ...(withFloors ? ['the Node floors, same run'] : [])],
  ]
  for (const t of sum.targets) {
    const floors = (t.floors ?? []).map((f) => `${f.name} ${fmt(f.value, 3)} ${verdict(f.pass)}`)
    trows.push([
      t.name,
      fmt(t.value, 3),
      t.limit,
      verdict(t.pass),
      ...(withFloors ? [floors.join(', ')] : []),
    ])
  }
  w(table(trows))
  if (sum.targets.some((t) => t.pass === false && t.floors?.some((f) => !f.pass))) {
    w('(where Corral and a floor both miss, that bare Node proxy misses too, in this run)')
  }
}
