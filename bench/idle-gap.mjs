// What an idle spell costs the next burst (bench/README.md, the fleet burst): Corral, warmed
// up, takes bursts of 64 one-token chats over four stand-ins, with `--gap` ms of idleness
// before each measured group of five bursts; prints the main thread's CPU per request and
// the first byte's p50 (medians of the five) after each gap. With `--gap 0` it is the same
// burst back to back. The gateway runs pinned to the last core, the rest to the first.
//
//   node bench/idle-gap.mjs [--gap 8000] [--rounds 6] [--corral <bundle>]
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles } from './build.mjs'
import { startCorral } from './procs.mjs'
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
  },
})
const mainNs = (pid) => cpuNs([pid]).main

const built = await buildBundles(f.corral ? 'fleet-fake-only' : '')
const bundle = f.corral ? path.resolve(f.corral) : built.corral
const { start, stopAll } = keeper()
try {
  const { key, backends, config } = await startStandIns(
    built.fakeOllama,
    { frames: 1, stampFrames: false, capacity: 64 },
    start,
  )
  const corral = await start(startCorral(bundle, { config, workers: 1, label: 'idle-gap' }))
  pinAll(backends, [corral.pid])
  const reqs = requests(key)
  const chat = chatOf(reqs.chat, 1)
  const pools = await openPools([corral.url], 64, reqs.version)
  await warmUp(pools, chat)
  for (let round = 0; round < Number(f.rounds); round++) {
    await sleep(Number(f.gap))
    const us = []
    const ttfb = []
    for (let i = 0; i < 5; i++) {
      await sleep(100)
      const t0 = mainNs(corral.pid)
      const r = await burst(pools, chat, 64, 0)
      us.push((mainNs(corral.pid) - t0) / 64e3)
      ttfb.push(r.ttfbMs.p50)
    }
    process.stdout.write(
      `after ${f.gap} ms idle: main thread ${median(us).toFixed(0)} µs a request, ` +
        `first byte p50 ${median(ttfb).toFixed(1)} ms\n`,
    )
  }
  await Promise.all(pools.map((p) => p.close()))
} finally {
  await stopAll()
}
