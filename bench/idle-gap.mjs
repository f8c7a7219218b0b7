// What an idle spell costs the next burst (bench/README.md, the fleet burst): Corral, warmed
// up, takes bursts of 64 one-token chats over four stand-ins, with `--gap` ms of idleness
// before each measured group of five bursts; prints the main thread's CPU per request and
// the first byte's p50 (medians of the five) after each gap. With `--gap 0` it is the same
// burst back to back. The gateway runs pinned to the last core, the rest to the first.
//
//   node bench/idle-gap.mjs [--gap 8000] [--rounds 6] [--corral <bundle>|floor] [--node '<flags>']
//                           [--config '<json>']
//
// `--config` merges into Corral's config.json, a section at a time (`'{"stats":{"enabled":
// false}}'`): what one feature costs a burst after an idle spell.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles } from './build.mjs'
import { startCorral, startFloorProxy, withSections } from './procs.mjs'
import { requests } from './phases.mjs'
import { burst, openPools } from './fleet-load.mjs'
import { median } from './stats.mjs'
import { cpuNs } from './fleet.mjs'
import { chatOf, keeper, pinAll, startStandIns, warmUp } from './stand-ins.mjs'

const { values: f } = parseArgs({
  options: {
    gap: { type: 'string', default: '8000' },
    rounds: { type: 'string', default: '6' },
    corral: { type: 'string' },
    node: { type: 'string', default: '' },
    config: { type: 'string', default: '{}' },
  },
})
const mainNs = (pid) => cpuNs([pid]).main
/** Minor page faults and involuntary context switches of the main thread. */
function faults(pid) {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8')
  const nonvol = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return { minflt: Number(fields[7]), nonvol }
}

const built = await buildBundles(f.corral ? 'fleet-fake-only' : '')
// `--corral floor`: bench/floor-proxy.mjs, the least any Node proxy does, for comparison.
const bundle = f.corral === 'floor' ? 'floor' : f.corral ? path.resolve(f.corral) : built.corral
if (bundle === 'floor' && f.config !== '{}') {
  process.stderr.write('idle-gap: --config is for Corral, not the floor\n')
  process.exit(2)
}
const { start, stopAll } = keeper()
try {
  const { key, backends, urls, config } = await startStandIns(
    built.fakeOllama,
    { frames: 1, stampFrames: false, capacity: 64 },
    start,
  )
  const corral = await start(
    bundle === 'floor'
      ? startFloorProxy(urls.join(','), key)
      : startCorral(bundle, {
          config: withSections(config, JSON.parse(f.config)),
          workers: 1,
          label: 'idle-gap',
          nodeArgs: f.node.split(' ').filter(Boolean),
        }),
  )
  pinAll(backends, [corral.pid])
  const reqs = requests(key)
  const chat = chatOf(reqs.chat, 1)
  const pools = await openPools([corral.url], 64, reqs.version)
  await warmUp(pools, chat)
  for (let round = 0; round < Number(f.rounds); round++) {
    await sleep(Number(f.gap))
    const us = []
    const ttfb = []
    const f0 = faults(corral.pid)
    for (let i = 0; i < 5; i++) {
      await sleep(100)
      const t0 = mainNs(corral.pid)
      const r = await burst(pools, chat, 64, 0)
      us.push((mainNs(corral.pid) - t0) / 64e3)
      ttfb.push(r.ttfbMs.p50)
    }
    const f1 = faults(corral.pid)
    process.stdout.write(
      `after ${f.gap} ms idle: main thread ${median(us).toFixed(0)} µs a request, ` +
        `first byte p50 ${median(ttfb).toFixed(1)} ms, ` +
        `${((f1.minflt - f0.minflt) / 320).toFixed(1)} page faults and ` +
        `${((f1.nonvol - f0.nonvol) / 320).toFixed(2)} preemptions a request\n`,
    )
  }
  await Promise.all(pools.map((p) => p.close()))
} finally {
  await stopAll()
}
