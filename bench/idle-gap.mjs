// What an idle spell costs the next burst (bench/README.md, the fleet burst): Corral, warmed
// up, takes bursts of 64 one-token chats over four stand-ins, with `--gap` ms of idleness
// before each measured group of five bursts; prints the main thread's CPU per request and
// the first byte's p50 (medians of the five) after each gap. With `--gap 0` it is the same
// burst back to back. The gateway runs pinned to the last core, the rest to the first.
//
//   node bench/idle-gap.mjs [--gap 8000] [--rounds 6] [--corral <bundle>]
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles } from './build.mjs'
import { corralConfig, newKey, startBackend, startCorral } from './procs.mjs'
import { requests } from './phases.mjs'
import { burst, openPools } from './fleet-load.mjs'
import { median } from './stats.mjs'
import { cpuNs, pin } from './fleet.mjs'

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
const { key, hash } = newKey()
const backends = []
const corral = { stop: async () => {} }
try {
  for (let i = 0; i < 4; i++) {
    backends.push(await startBackend(built.fakeOllama, { frames: 1, frameIntervalMs: 33 }))
  }
  const config = corralConfig({ backendUrl: backends[0].url, keyHash: hash })
  config.backends = backends.map((b, i) => ({
    id: `gpu-${i + 1}`,
    name: `gpu-${i + 1}`,
    url: b.url,
    capacity: 64,
  }))
  Object.assign(corral, await startCorral(bundle, { config, workers: 1, label: 'idle-gap' }))
  for (const b of backends) pin(b.pid, 0)
  pin(process.pid, 0)
  pin(corral.pid, os.cpus().length - 1)
  const reqs = requests(key)
  const chat = {
    ...reqs.chat,
    body: JSON.stringify({ ...JSON.parse(reqs.chat.body), options: { num_predict: 1 } }),
  }
  const pools = await openPools([corral.url], 64, reqs.version)
  for (let i = 0; i < 100; i++) await burst(pools, chat, 64, 0) // warm-up: 6,400 chats
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
  await corral.stop()
  for (const b of backends) await b.stop()
}
