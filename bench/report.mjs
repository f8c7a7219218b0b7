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

export function summarize(result) {
  const small = {}
  for (const [id, byTarget] of Object.entries(result.small)) {
    const direct = byTarget.direct ?? []
    const nginx = byTarget.nginx ?? []
    small[id] = {}
    for (const [target, rounds] of Object.entries(byTarget)) {
      small[id][target] = {
        rps: med(rounds, (r) => r.rps),
        p50: med(rounds, (r) => r.latencyMs.p50),
        p99: med(rounds, (r) => r.latencyMs.p99),
        errors: rounds.reduce((n, r) => n + r.errors, 0),
        cpuUsPerRequest: med(rounds, (r) => r.proxyCpuUsPerRequest ?? NaN),
        addedP50: paired(rounds, direct, (r, d) => r.latencyMs.p50 - d.latencyMs.p50),
        addedP99: paired(rounds, direct, (r, d) => r.latencyMs.p99 - d.latencyMs.p99),
        vsNginx: paired(rounds, nginx, (r, n) => r.rps / n.rps),
        vsDirect: paired(rounds, direct, (r, d) => r.rps / d.rps),
      }
    }
    const full = byTarget.corral
    const off = byTarget['corral-nostats']
    if (full && off) small[id].statsCost = paired(full, off, (f, o) => 1 - f.rps / o.rps)
  }

  const streams = {}
  const sDirect = result.streams.direct ?? []
  const sNginx = result.streams.nginx ?? []
  for (const [target, rounds] of Object.entries(result.streams)) {
    streams[target] = {
      ttfbP50: med(rounds, (r) => r.ttfbMs.p50),
      ttfbP99: med(rounds, (r) => r.ttfbMs.p99),
      frameP50: med(rounds, (r) => r.frameDelayMs.p50),
      frameP99: med(rounds, (r) => r.frameDelayMs.p99),
      frameMax: med(rounds, (r) => r.frameDelayMs.max),
      streams: rounds.reduce((n, r) => n + r.streams, 0),
      frames: rounds.reduce((n, r) => n + r.frames, 0),
      errors: rounds.reduce((n, r) => n + r.errors, 0),
      cpuUsPerFrame: med(rounds, (r) => r.proxyCpuUsPerFrame ?? NaN),
      backendCpuUsPerFrame: med(rounds, (r) => r.backendCpuUsPerFrame ?? NaN),
      cpuVsNginx: paired(
        rounds,
        sNginx,
        (r, n) => (r.proxyCpuUsPerFrame ?? NaN) / (n.proxyCpuUsPerFrame ?? NaN),
      ),
      ttfbVsDirect: paired(rounds, sDirect, (r, d) => r.ttfbMs.p50 / d.ttfbMs.p50),
      addedP50: paired(rounds, sDirect, (r, d) => r.frameDelayMs.p50 - d.frameDelayMs.p50),
      addedP99: paired(rounds, sDirect, (r, d) => r.frameDelayMs.p99 - d.frameDelayMs.p99),
      addedMax: paired(rounds, sDirect, (r, d) => r.frameDelayMs.max - d.frameDelayMs.max),
      p99VsNginx: paired(rounds, sNginx, (r, n) => r.frameDelayMs.p99 - n.frameDelayMs.p99),
    }
  }
  return { small, streams, targets: checkTargets(result, small, streams) }
}

function checkTargets(result, small, streams) {
  const out = []
  const check = (name, value, limit, ok) =>
    out.push({ name, value, limit, pass: Number.isFinite(value) ? ok(value) : null })
  for (const id of ['tags c32', 'show c32']) {
    const c = small[id]?.corral
    if (!c) continue
    check(`${id}: Corral / nginx throughput`, c.vsNginx, '>= 0.5', (v) => v >= 0.5)
    const p = small[`${id} paced`]?.corral
    check(`${id} paced: added p50 (ms)`, p?.addedP50, '<= 0.3', (v) => v <= 0.3)
    check(`${id} paced: added p99 (ms)`, p?.addedP99, '<= 2', (v) => v <= 2)
    check(`${id} closed loop: added p50 (ms)`, c.addedP50, '<= 0.3', (v) => v <= 0.3)
    check(`${id} closed loop: added p99 (ms)`, c.addedP99, '<= 2', (v) => v <= 2)
    check(`${id}: stats cost (1 - full/stats-off)`, small[id].statsCost, '< 0.05', (v) => v < 0.05)
  }
  const s = streams.corral
  if (s) {
    check('streams: TTFB p50 / direct', s.ttfbVsDirect, '<= 1.5', (v) => v <= 1.5)
    check('streams: frame delay p99 - nginx p99 (ms)', s.p99VsNginx, '<= 5', (v) => v <= 5)
    check('streams: errors', s.errors, '= 0', (v) => v === 0)
    check('streams: CPU per relayed frame / nginx', s.cpuVsNginx, '<= 1.3', (v) => v <= 1.3)
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
      'cpu µs/req',
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
        fmt(v.cpuUsPerRequest, 0),
        v.errors,
      ])
    }
    if (byTarget.statsCost !== undefined)
      rows.push([id, 'stats cost', `${fmt(byTarget.statsCost * 100, 1)}%`])
  }
  if (rows.length > 1) w(table(rows) + '\n')

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
      fmt(1e6 / v.cpuUsPerFrame, 0),
      fmt(v.cpuVsNginx),
      fmt(v.backendCpuUsPerFrame, 1),
      v.errors,
    ])
  }
  if (srows.length > 1) w(table(srows) + '  (ms)\n')

  const mem = result.memory
  w(
    `memory (Corral, MB): 2 s after start ${fmt(mem.idleAfterStartMb, 1)} (stats off ${fmt(mem.idleAfterStartNoStatsMb, 1)}), idle ${result.idle.seconds ? fmt(result.idle.seconds, 0) + ' s' : '-'} ${fmt(mem.idleMb, 1)} (stats off ${fmt(mem.idleNoStatsMb, 1)}), peak under streams ${fmt(mem.peakUnderStreamsMb, 1)} (stats off ${fmt(mem.peakUnderStreamsNoStatsMb, 1)}), idle after load ${fmt(mem.idleAfterLoadMb, 1)}, VmHWM ${fmt(mem.hwmMb, 1)}; nginx peak under streams ${fmt(mem.peakUnderStreamsNginxMb, 1)}`,
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

  const trows = [['target', 'value', 'limit', 'result']]
  for (const t of sum.targets)
    trows.push([
      t.name,
      fmt(t.value, 3),
      t.limit,
      t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS',
    ])
  w(table(trows))
}
