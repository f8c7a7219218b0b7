// Where a burst's token delays fall (bench/README.md, the fleet burst): one gateway (a
// bundle, or `floor` for bench/floor-proxy.mjs), warmed up, takes `--bursts` bursts of 64
// streamed chats back to back over four stand-ins; each token's delay (received here minus
// the stand-in's `sent_at`) is kept by its place in its chat: the first frame (sent with the
// answer's head), the ones in between, and the done frame. Prints the p50, p99 and most of
// each, and how many of each are at or past the p99 of them all.
//
//   node bench/frame-delays.mjs <bundle|floor> [--bursts 4] [--frames 60]
import { realpathSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles } from './build.mjs'
import { startCorral, startFloorProxy } from './procs.mjs'
import { requests } from './phases.mjs'
import { openPools } from './fleet-load.mjs'
import { DONE_TRUE, SENT_AT } from './load.mjs'
import { chatOf, keeper, pinAll, startStandIns, warmUp } from './stand-ins.mjs'

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

const { fakeOllama } = await buildBundles('fleet-fake-only')
const { start, stopAll } = keeper()
try {
  const { key, backends, urls, config } = await startStandIns(
    fakeOllama,
    { frames, capacity: 64 },
    start,
  )
  const gateway = await start(
    target === 'floor'
      ? startFloorProxy(urls.join(','), key)
      : startCorral(target, { config, workers: 1, label: 'frame-delays' }),
  )
  pinAll(backends, [gateway.pid])

  const reqs = requests(key)
  const pools = await openPools([gateway.url], 64, reqs.version)
  await warmUp(pools, chatOf(reqs.chat, 1))
  const pool = pools[0]
  const request = chatOf(reqs.chat, frames)
  const delays = { first: [], between: [], done: [] }
  const one = async () => {
    const res = await pool.request(request)
    let place = 'first'
    let carry = ''
    for await (const chunk of res.body) {
      const at = wallNow()
      const text = carry + chunk.toString('latin1')
      let start = 0
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
        const i = text.lastIndexOf(SENT_AT, nl)
        if (i >= start) {
          const done = text.lastIndexOf(DONE_TRUE, nl) >= start
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
  await stopAll()
}
