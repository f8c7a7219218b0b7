// The benchmark's phases, each against a set of targets: warm-up, small requests, many
// streams and idle. A target is { name, url, pids, oneConnection } where pids are the
// processes doing the proxying (none for direct), read from /proc for CPU time and memory
// with every process under them (a cluster primary's workers, nginx's workers), and
// `oneConnection: false` leaves the target out of the 1-connection runs.
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { closedLoop, manyStreams, paced } from './load.mjs'
import { processTree, treeStats } from './procs.mjs'

const log = (msg) => process.stderr.write(`bench: ${msg}\n`)

/** The processes of a target: its pids and every process below them, each once. */
export function treeOf(pids) {
  return [...new Set(pids.flatMap((pid) => processTree(pid)))]
}

/** CPU time (ms) used so far by a list of processes. */
function cpuMs(pids) {
  return treeStats(pids).cpuMs
}

/** Logs when a target's processes changed during a run (a worker restarted): CPU is off. */
function checkTree(name, pids, before) {
  const now = treeOf(pids)
  if (now.length !== before.length || now.some((pid, i) => pid !== before[i]))
    log(`${name}: processes changed during the run (${before.join(',')} -> ${now.join(',')})`)
}

/** The same list started at a different place each round (A B C, then B C A...). */
export function rotate(list, n) {
  const k = n % list.length
  return [...list.slice(k), ...list.slice(0, k)]
}

/** The requests the benchmark sends, for a given key. */
export function requests(key) {
  const headers = { authorization: `Bearer ${key}` }
  const json = { ...headers, 'content-type': 'application/json' }
  return {
    tags: { method: 'GET', path: '/api/tags', headers },
    show: {
      method: 'POST',
      path: '/api/show',
      headers: json,
      body: JSON.stringify({ model: 'llama3.2' }),
    },
    version: { method: 'GET', path: '/api/version', headers },
    // One answer, not a stream: what a key's model options cost per request (issue 15).
    generate: {
      method: 'POST',
      path: '/api/generate',
      headers: json,
      body: JSON.stringify({ model: 'llama3.2', prompt: 'Why is the sky blue?', stream: false }),
    },
    chat: {
      method: 'POST',
      path: '/api/chat',
      headers: json,
      body: JSON.stringify({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'Why is the sky blue?' }],
      }),
    },
  }
}

/**
 * Untimed load on every target first, so that every process (and V8's optimising compiler in
 * the Node ones) is warm before anything is measured: a gateway that has been up for a while.
 */
export async function warmUp(targets, reqs, s) {
  log(`warming up every target (${s.jitWarmupMs} ms of each request kind)`)
  for (const t of targets) {
    for (const request of [reqs.tags, reqs.show]) {
      await closedLoop({ origin: t.url, request, connections: 32, durationMs: s.jitWarmupMs })
    }
    await manyStreams({
      origin: t.url,
      request: reqs.chat,
      warmRequest: reqs.version,
      streams: Math.min(100, s.streams),
      durationMs: s.jitWarmupMs,
      rampMs: 100,
    })
  }
}

/**
 * Small requests: closed loop at 1 and 32 connections, and paced at 32, in alternating rounds.
 * Each run also records how busy the proxy, the backend (`backendPid`) and the bench's own
 * process (the load generator) were, in % of one core over the run: on a machine where they
 * share the cores, whichever is near its limit is what capped the run's throughput.
 */
export async function smallRequests(targets, reqs, s, backendPid) {
  const byName = Object.fromEntries(targets.map((t) => [t.name, t]))
  const all = targets.map((t) => t.name)
  const withoutNoStats = all.filter((n) => n !== 'corral-nostats')
  // One connection is one worker's work: the multi-process targets would repeat their 1-worker twin.
  const c1 = withoutNoStats.filter((n) => byName[n].oneConnection !== false)
  const scenarios = []
  for (const kind of ['tags', 'show']) {
    scenarios.push(
      { id: `${kind} c1`, request: reqs[kind], connections: 1, targets: c1 },
      { id: `${kind} c32`, request: reqs[kind], connections: 32, targets: all },
      {
        id: `${kind} c32 paced`,
        request: reqs[kind],
        connections: 32,
        targets: withoutNoStats,
        paced: true,
      },
    )
  }
  const out = {}
  for (let round = 0; round < s.rounds; round++) {
    for (const sc of scenarios) {
      for (const name of rotate(sc.targets, round)) {
        const t = byName[name]
        const pids = treeOf(t.pids)
        const cpu0 = cpuMs(pids)
        const backend0 = backendPid ? cpuMs([backendPid]) : NaN
        const load0 = process.cpuUsage()
        const wall0 = performance.now()
        const r = await (sc.paced ? paced : closedLoop)({
          origin: t.url,
          request: sc.request,
          connections: sc.connections,
          rps: s.pacedRps,
          durationMs: s.durationMs,
          warmupMs: s.warmupMs,
        })
        // Includes the run's own warm-up requests, which are few against the measured ones.
        const wallMs = performance.now() - wall0
        const load = process.cpuUsage(load0)
        r.proxyCpuUsPerRequest = pids.length ? ((cpuMs(pids) - cpu0) * 1000) / r.ok : null
        r.proxyCpuPercent = pids.length ? ((cpuMs(pids) - cpu0) * 100) / wallMs : null
        r.backendCpuPercent = ((cpuMs(backendPid ? [backendPid] : []) - backend0) * 100) / wallMs
        r.loadCpuPercent = ((load.user + load.system) / 1000 / wallMs) * 100
        r.processes = pids.length
        checkTree(name, t.pids, pids)
        ;((out[sc.id] ??= {})[name] ??= []).push(r)
        log(
          `round ${round + 1} ${sc.id} ${name}: ${r.rps.toFixed(0)} req/s, p50 ${r.latencyMs.p50.toFixed(3)} ms, ` +
            `p99 ${r.latencyMs.p99.toFixed(3)} ms, errors ${r.errors}`,
        )
      }
    }
  }
  return out
}

/**
 * Many concurrent streams per target, in alternating rounds; peak RSS of each proxy, and
 * the CPU per frame of the proxy and of the backend (direct has only the backend's).
 */
export async function streams(targets, reqs, s, clockOffsetMs, backendPid) {
  const out = {}
  const peakRssMb = {}
  for (let round = 0; round < s.rounds; round++) {
    for (const t of rotate(targets, round)) {
      const pids = treeOf(t.pids)
      const cpu0 = cpuMs(pids)
      const backend0 = cpuMs([backendPid])
      const r = await manyStreams({
        origin: t.url,
        request: reqs.chat,
        warmRequest: reqs.version,
        streams: s.streams,
        durationMs: s.streamMs,
        rampMs: s.rampMs,
        clockOffsetMs,
        tick: () => {
          const rss = treeStats(pids).rssMb
          peakRssMb[t.name] = Math.max(peakRssMb[t.name] ?? 0, rss)
        },
      })
      r.proxyCpuUsPerFrame = pids.length ? ((cpuMs(pids) - cpu0) * 1000) / r.frames : null
      r.processes = pids.length
      checkTree(t.name, t.pids, pids)
      r.backendCpuUsPerFrame = ((cpuMs([backendPid]) - backend0) * 1000) / r.frames
      ;(out[t.name] ??= []).push(r)
      log(
        `round ${round + 1} streams ${t.name}: ${r.streams} streams, ${r.frames} frames, ttfb p50 ${r.ttfbMs.p50.toFixed(2)} ms, ` +
          `frame delay p50 ${r.frameDelayMs.p50.toFixed(2)} p99 ${r.frameDelayMs.p99.toFixed(2)} max ${r.frameDelayMs.max.toFixed(2)} ms, errors ${r.errors}`,
      )
      await sleep(500)
    }
  }
  return { byTarget: out, peakRssMb }
}

/** CPU used by each process while no request comes in, over `seconds`. */
export async function idleCpu(pidsByName, seconds) {
  log(`measuring idle CPU for ${seconds} s`)
  const trees = Object.fromEntries(Object.entries(pidsByName).map(([k, v]) => [k, treeOf(v)]))
  const before = Object.fromEntries(Object.entries(trees).map(([k, v]) => [k, cpuMs(v)]))
  const t0 = Date.now()
  await sleep(seconds * 1000)
  const elapsed = (Date.now() - t0) / 1000
  const out = { seconds: elapsed }
  for (const [k, v] of Object.entries(trees)) {
    const ms = cpuMs(v) - before[k]
    out[k] = { cpuMs: ms, percent: ms / 10 / elapsed, processes: v.length }
  }
  return out
}
