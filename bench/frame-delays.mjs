// Where a burst's token delays fall (bench/README.md, the fleet burst): one gateway (a
// bundle, or `floor` for bench/floor-proxy.mjs), warmed up, takes `--bursts` bursts of 64
// streamed chats back to back over four stand-ins; each token's delay (received here minus
// the stand-in's `sent_at`) is kept by its place in its chat: the first frame (sent with the
// answer's head), the ones in between, and the done frame. Prints the p50, p99 and most of
// each, and how many of each are at or past the p99 of them all.
//
//   node bench/frame-delays.mjs <bundle|floor> [--bursts 4] [--frames 60]
import { realpathSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles } from './build.mjs'
import { corralConfig, newKey, startBackend, startCorral, startFloorProxy } from './procs.mjs'
import { requests } from './phases.mjs'
import { burst, openPools } from './fleet-load.mjs'
import { pin } from './fleet.mjs'

const { values: f, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    bursts: { type: 'string', default: '4' },
    frames: { type: 'string', default: '60' },
  },
})
if (positionals.length !== 1) {
  process.stderr.write('usage: node bench/frame-delays.mjs <bundle|floor> [options]\n')
  process.exit(2)
}
const target = positionals[0] === 'floor' ? 'floor' : realpathSync(positionals[0])
const frames = Number(f.frames)
const wallNow = () => performance.timeOrigin + performance.now()
const SENT_AT = '"sent_at":'

const { fakeOllama } = await buildBundles('fleet-fake-only')
const { key, hash } = newKey()
const procs = []
try {
  const backends = []
  for (let i = 0; i < 4; i++) {
    const b = await startBackend(fakeOllama, { stampFrames: true, frames, frameIntervalMs: 33 })
    procs.push(b)
    backends.push(b)
  }
  const urls = backends.map((b) => b.url)
  const config = corralConfig({ backendUrl: urls[0], keyHash: hash })
  config.backends = urls.map((url, i) => ({
    id: `gpu-${i + 1}`,
    name: `gpu-${i + 1}`,
    url,
    capacity: 64,
  }))
  const gateway =
    target === 'floor'
      ? await startFloorProxy(urls.join(','), key)
      : await startCorral(target, { config, workers: 1, label: 'frame-delays' })
  procs.push(gateway)
  for (const b of backends) pin(b.pid, 0)
  pin(process.pid, 0)
  pin(gateway.pid, os.cpus().length - 1)

  const reqs = requests(key)
  const chat = (n) => ({
    ...reqs.chat,
    body: JSON.stringify({ ...JSON.parse(reqs.chat.body), options: { num_predict: n } }),
  })
  const pools = await openPools([gateway.url], 64, reqs.version)
  for (let i = 0; i < 100; i++) await burst(pools, chat(1), 64, 0) // as fleet.mjs: 6,400 chats
  const pool = pools[0]
  const delays = { first: [], between: [], done: [] }
  const one = async () => {
    const res = await pool.request(chat(frames))
    let place = 'first'
    let carry = ''
    for await (const chunk of res.body) {
      const at = wallNow()
      const text = carry + chunk.toString('latin1')
      let start = 0
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const i = text.lastIndexOf(SENT_AT, nl)
        if (i >= start) {
          const done = text.lastIndexOf('"done":true', nl) >= start
          delays[done ? 'done' : place].push(at - parseFloat(text.slice(i + SENT_AT.length, nl)))
          place = 'between'
        }
        start = nl + 1
      }
      carry = text.slice(start)
    }
  }
  for (let i = 0; i < Number(f.bursts); i++) {
    await sleep(200)
    await Promise.all(Array.from({ length: 64 }, one))
  }
  await Promise.all(pools.map((p) => p.close()))
  const at = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]
  const all = Object.values(delays)
    .flat()
    .sort((a, b) => a - b)
  const p99 = at(all, 0.99)
  process.stdout.write(`${positionals[0]}: a token's delay p99 ${p99.toFixed(2)} ms\n`)
  for (const [place, list] of Object.entries(delays)) {
    list.sort((a, b) => a - b)
    process.stdout.write(
      `  ${place.padEnd(7)} ${String(list.length).padStart(6)} frames: p50 ${at(list, 0.5).toFixed(2)} ` +
        `p99 ${at(list, 0.99).toFixed(2)} most ${list.at(-1).toFixed(2)} ms; ` +
        `${list.filter((d) => d >= p99).length} at or past the p99 of all\n`,
    )
  }
} finally {
  await Promise.all(procs.map((p) => p.stop().catch(() => {})))
}
