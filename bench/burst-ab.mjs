// A pinned A/B of two gateway bundles in the fleet burst's shape (bench/fleet.mjs), tight
// enough to see a few percent: both run at once over the same four stand-ins, both warmed
// up, then bursts of `--size` chats alternate between them (A B, B A, ...) `--pairs` times.
// Prints, per bundle, the medians over its bursts of the main thread's CPU per request, all
// threads' CPU per request, the first byte's p50 and a token's added p99.
//
//   node bench/burst-ab.mjs <before.mjs> <after.mjs> [--pairs 40] [--size 64] [--frames 1]
//
// Build the bundles with `node bench/build.mjs <label>` (in each checkout).
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, realpathSync } from 'node:fs'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles } from './build.mjs'
import { corralConfig, newKey, startBackend, startCorral } from './procs.mjs'
import { requests } from './phases.mjs'
import { burst, openPools } from './fleet-load.mjs'
import { median } from './stats.mjs'

const { values: f, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: 'string', default: '40' },
    size: { type: 'string', default: '64' },
    frames: { type: 'string', default: '1' },
  },
})
if (positionals.length !== 2) {
  process.stderr.write('usage: node bench/burst-ab.mjs <before.mjs> <after.mjs> [options]\n')
  process.exit(2)
}
const bundles = positionals.map((p) => realpathSync(p))
const size = Number(f.size)
const frames = Number(f.frames)

/** CPU time of a process's threads, and of its main thread, in nanoseconds. */
function cpuNs(pid) {
  let all = 0
  let main = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      all += ns
      if (Number(tid) === pid) main += ns
    } catch {
      // the thread ended in between
    }
  }
  return { all, main }
}
const pin = (pid, core) => {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' })
  } catch {
    // no taskset: unpinned, noisier
  }
}

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
  const config = corralConfig({ backendUrl: backends[0].url, keyHash: hash })
  config.backends = backends.map((b, i) => ({
    id: `gpu-${i + 1}`,
    name: `gpu-${i + 1}`,
    url: b.url,
    capacity: Math.max(16, size),
  }))
  const gateways = []
  for (const [i, bundle] of bundles.entries()) {
    const g = await startCorral(bundle, { config, workers: 1, label: `burst-ab-${i}` })
    procs.push(g)
    gateways.push(g)
  }
  for (const b of backends) pin(b.pid, 0)
  pin(process.pid, 0)
  for (const g of gateways) pin(g.pid, os.cpus().length - 1)

  const reqs = requests(key)
  const chat = (n) => ({
    ...reqs.chat,
    body: JSON.stringify({ ...JSON.parse(reqs.chat.body), options: { num_predict: n } }),
  })
  const pools = []
  for (const g of gateways) pools.push(await openPools([g.url], size, reqs.version))
  // As fleet.mjs: 6,400 one-token chats each, so V8 has compiled the hot paths.
  for (let i = 0; i < 100; i++) for (const p of pools) await burst(p, chat(1), 64, 0)

  const results = gateways.map(() => ({ main: [], all: [], ttfb: [], tokenP99: [], errors: 0 }))
  const request = chat(frames)
  for (let i = 0; i < Number(f.pairs); i++) {
    for (const k of i % 2 ? [1, 0] : [0, 1]) {
      await sleep(100)
      const pid = gateways[k].pid
      const t0 = cpuNs(pid)
      const r = await burst(pools[k], request, size, 0)
      const t1 = cpuNs(pid)
      const out = results[k]
      out.main.push((t1.main - t0.main) / 1e3 / size)
      out.all.push((t1.all - t0.all) / 1e3 / size)
      out.ttfb.push(r.ttfbMs.p50)
      out.tokenP99.push(r.frameDelayMs.p99)
      out.errors += r.errors
    }
  }
  for (const [k, r] of results.entries()) {
    process.stdout.write(
      `${k === 0 ? 'A' : 'B'} ${bundles[k]}\n  main thread ${median(r.main).toFixed(0)} µs a ` +
        `request, all threads ${median(r.all).toFixed(0)}, first byte p50 ` +
        `${median(r.ttfb).toFixed(2)} ms, token +p99 ${median(r.tokenP99).toFixed(2)} ms, ` +
        `errors ${r.errors}\n`,
    )
  }
  for (const p of pools) await Promise.all(p.map((x) => x.close()))
} finally {
  await Promise.all(procs.map((p) => p.stop().catch(() => {})))
}
