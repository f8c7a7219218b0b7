// The fleet burst's figures (bench/fleet.mjs): medians over rounds per target and burst size,
// Corral's distance from nginx, and issue 30's targets checked against them.
import { fmt, median, table } from './stats.mjs'

/** Per burst size and target: the median of each figure over the rounds. */
export function summarizeFleet(out) {
  const summary = {}
  for (const [size, byTarget] of Object.entries(out.results)) {
    const s = (summary[size] = {})
    for (const [name, rounds] of Object.entries(byTarget)) {
      const perFrameUs = rounds.map(({ short, long }) =>
        long.cpuMs === null
          ? NaN
          : ((long.cpuMs - short.cpuMs) * 1000) / (long.frames - short.frames),
      )
      const frameUs = median(perFrameUs)
      s[name] = {
        ttfbP50Ms: median(rounds.map((r) => r.long.ttfbMs.p50)),
        ttfbP99Ms: median(rounds.map((r) => r.long.ttfbMs.p99)),
        // Of the first byte, the way there: sent here to the stand-in's stamp on frame one.
        toBackendP50Ms: median(rounds.map((r) => r.long.upMs.p50)),
        oneTokenTtfbP50Ms: median(rounds.map((r) => r.short.ttfbMs.p50)),
        tokenDelayP50Ms: median(rounds.map((r) => r.long.frameDelayMs.p50)),
        tokenDelayP99Ms: median(rounds.map((r) => r.long.frameDelayMs.p99)),
        // A one-token chat's CPU less its two frames: the request's own work.
        cpuUsPerRequest: median(
          rounds.map(({ short }) =>
            short.cpuMs === null
              ? NaN
              : (short.cpuMs * 1000 - short.frames * frameUs) / Number(size),
          ),
        ),
        cpuUsPerFrame: frameUs,
        // The main thread alone (nginx's one worker is all main thread): what a burst waits on.
        mainCpuUsPerChat: median(
          rounds.map(({ long }) =>
            long.mainCpuMs === null ? NaN : (long.mainCpuMs * 1000) / Number(size),
          ),
        ),
        cpuUsPerChat: median(
          rounds.map(({ long }) =>
            long.cpuMs === null ? NaN : (long.cpuMs * 1000) / Number(size),
          ),
        ),
        gcShare: rounds.some((r) => r.long.gcMs !== undefined)
          ? median(
              rounds.map(
                // GC pauses are the main thread's: its share of the main thread's CPU.
                ({ short, long }) => (short.gcMs + long.gcMs) / (short.mainCpuMs + long.mainCpuMs),
              ),
            )
          : null,
        errors: rounds.reduce((n, r) => n + r.short.errors + r.long.errors, 0),
        firstError:
          rounds.map((r) => r.long.firstError ?? r.short.firstError).find(Boolean) ?? null,
      }
    }
    const n = s.nginx
    const minus = (c) => ({
      ttfbP50Ms: c.ttfbP50Ms - n.ttfbP50Ms,
      ttfbP99Ms: c.ttfbP99Ms - n.ttfbP99Ms,
      tokenDelayP50Ms: c.tokenDelayP50Ms - n.tokenDelayP50Ms,
      tokenDelayP99Ms: c.tokenDelayP99Ms - n.tokenDelayP99Ms,
      cpuPerRequestRatio: c.cpuUsPerRequest / n.cpuUsPerRequest,
    })
    if (s.corral && n) s.corralMinusNginx = minus(s.corral)
    if (s['node-floor'] && n) s.floorMinusNginx = minus(s['node-floor'])
  }
  return summary
}

/**
 * Issue 30's fleet targets, each with Corral's figure, whether it is met, and the same
 * target held against the Node floor of the same run (null without one): a target the floor
 * misses too, a bare Node proxy misses on this machine in this run.
 */
export function fleetTargets(summary) {
  const s64 = summary['64']
  const d = s64?.corralMinusNginx
  if (!s64 || !d) return []
  const f = s64.floorMinusNginx
  const floor = s64['node-floor']
  const target = (what, value, met, floorValue) => ({
    what,
    value,
    met: met(value),
    floor: floorValue === undefined ? null : { value: floorValue, met: met(floorValue) },
  })
  return [
    target('burst 64: TTFB p50 <= nginx + 2 ms', d.ttfbP50Ms, (v) => v <= 2, f?.ttfbP50Ms),
    target(
      'burst 64: token delay p99 <= nginx + 1 ms',
      d.tokenDelayP99Ms,
      (v) => v <= 1,
      f?.tokenDelayP99Ms,
    ),
    target('burst 64: 0 errors', s64.corral.errors, (v) => v === 0, floor?.errors),
    target(
      'CPU per stream request <= 150 us',
      s64.corral.cpuUsPerRequest,
      (v) => v <= 150,
      floor?.cpuUsPerRequest,
    ),
  ]
}

export function printFleet(out) {
  const w = (s) => process.stdout.write(s + '\n')
  const o = out.settings
  w(
    `\nFleet burst: ${o.backends} stand-ins at ${o.tps} tokens/s, ${o.frames} tokens a chat, ` +
      `${o.rounds} rounds, capacity ${o.capacityPerBackend} a backend (medians over rounds)`,
  )
  for (const [size, s] of Object.entries(out.summary)) {
    w(`\n${size} chats at once`)
    const names = Object.keys(s).filter((k) => !k.endsWith('MinusNginx'))
    w(
      table([
        [
          'target',
          'TTFB p50 ms',
          'TTFB p99 ms',
          'of it to backend',
          'token +p50 ms',
          'token +p99 ms',
          'CPU µs/req',
          'CPU µs/frame',
          'µs/chat all',
          'main thread',
          'GC share',
          'errors',
        ],
        ...names.map((name) => {
          const t = s[name]
          return [
            name,
            fmt(t.ttfbP50Ms),
            fmt(t.ttfbP99Ms),
            fmt(t.toBackendP50Ms),
            fmt(t.tokenDelayP50Ms),
            fmt(t.tokenDelayP99Ms),
            fmt(t.cpuUsPerRequest, 0),
            fmt(t.cpuUsPerFrame, 1),
            fmt(t.cpuUsPerChat, 0),
            fmt(t.mainCpuUsPerChat, 0),
            t.gcShare === null ? '-' : `${(t.gcShare * 100).toFixed(1)}%`,
            String(t.errors),
          ]
        }),
      ]),
    )
    for (const [name, d] of [
      ['corral', s.corralMinusNginx],
      ['node-floor', s.floorMinusNginx],
    ]) {
      if (!d) continue
      w(
        `${name} - nginx: TTFB p50 ${fmt(d.ttfbP50Ms)} ms, p99 ${fmt(d.ttfbP99Ms)} ms; ` +
          `token delay p50 ${fmt(d.tokenDelayP50Ms)} ms, p99 ${fmt(d.tokenDelayP99Ms)} ms; ` +
          `CPU per request ${fmt(d.cpuPerRequestRatio)}x nginx's`,
      )
    }
  }
  if (out.cold) {
    w(
      `\nThe first 64 one-token chats after start (cold JIT, before the ${o.warm}-chat warm-up): ` +
        Object.entries(out.cold)
          .map(([name, c]) => `${name} TTFB p50 ${fmt(c.ttfbMs.p50)} ms`)
          .join(', '),
    )
  }
  const targets = fleetTargets(out.summary)
  if (targets.length) {
    w('\nIssue 30 targets (and the same target for the Node floor of this run)')
    for (const { what, value, met, floor } of targets) {
      const against = floor
        ? `   node-floor: ${fmt(floor.value)} ${floor.met ? 'met' : 'MISS'}`
        : ''
      w(`  ${met ? 'met ' : 'MISS'}  ${what}: ${fmt(value)}${against}`)
    }
    if (targets.some((t) => !t.met && t.floor && !t.floor.met)) {
      w('  (where Corral and the Node floor both miss, a bare Node proxy misses too, in this run)')
    }
  }
}
