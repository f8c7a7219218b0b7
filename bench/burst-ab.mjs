// A pinned A/B of two gateway bundles in the fleet burst's shape (bench/fleet.mjs), tight
// enough to see a few percent: both run at once over the same four stand-ins, both warmed
// up, then bursts of `--size` chats alternate between them (A B, B A, ...) `--pairs` times.
// Prints, per bundle, the medians over its bursts of the main thread's CPU per request, all
// threads' CPU per request, the first byte's p50 and a token's added p99.
//
//   node bench/burst-ab.mjs <A> <B> [--pairs 40] [--size 64] [--frames 1] [--body-kb 0]
//                           [--b-node='<flags>'] [--b-config '<json>']
//
// `--body-kb N` puts a conversation of about N KB in each measured chat (stand-ins.mjs
// withConversation): a long chat's body, which the gateway checks before sending it on.
// `--b-config` merges config sections into B's config.json (`'{"stats":{"enabled":false}}'`):
// what a feature costs, with the same bundle on both sides.
//
// A and B are gateway bundles (build them with `node bench/build.mjs <label>` in each
// checkout), `nginx` (the bench's nginx: one worker, the four in turn) or `floor`
// (bench/floor-proxy.mjs: what any Node proxy costs). Unlike the fleet's rounds, where each
// target waits while the others run, here both are kept busy: what the gateway costs on a
// core that stays its own.
import { realpathSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildBundles } from './build.mjs'
import { findNginx, startNginx } from './nginx.mjs'
import { startCorral, startFloorProxy, withSections } from './procs.mjs'
import { requests } from './phases.mjs'
import { burst, openPools } from './fleet-load.mjs'
import { median } from './stats.mjs'
import { cpuNs } from './fleet.mjs'
import { treeOf } from './phases.mjs'
import { chatOf, keeper, pinAll, startStandIns, warmUp, withConversation } from './stand-ins.mjs'

const { values: f, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pairs: { type: 'string', default: '40' },
    size: { type: 'string', default: '64' },
    frames: { type: 'string', default: '1' },
    'body-kb': { type: 'string', default: '0' },
    'b-node': { type: 'string', default: '' },
    'b-config': { type: 'string', default: '{}' },
  },
})
if (positionals.length !== 2) {
  process.stderr.write('usage: node bench/burst-ab.mjs <A|nginx|floor> <B|nginx|floor> [options]\n')
  process.exit(2)
}
const bundles = positionals.map((p) => (p === 'nginx' || p === 'floor' ? p : realpathSync(p)))
if (f['b-config'] !== '{}' && (positionals[1] === 'nginx' || positionals[1] === 'floor')) {
  process.stderr.write(`burst-ab: --b-config is for a Corral bundle, not ${positionals[1]}\n`)
  process.exit(2)
}
const size = Number(f.size)
const frames = Number(f.frames)

const { fakeOllama } = await buildBundles('fleet-fake-only')
const { start, stopAll } = keeper()
try {
  const { key, backends, urls, config } = await startStandIns(
    fakeOllama,
    { frames, capacity: Math.max(16, size) },
    start,
  )
  const gateways = []
  for (const [i, bundle] of bundles.entries()) {
    let g
    if (bundle === 'floor') g = await startFloorProxy(urls.join(','), key)
    else if (bundle === 'nginx') {
      const bin = findNginx()
      if (!bin) throw new Error('nginx is not installed (apt-get install nginx-light)')
      g = await startNginx(bin, { backendUrls: urls, key })
    } else {
      // `--b-node='<flags>'`: node flags for B alone, after the ones `npx corral` uses.
      const nodeArgs = i === 1 && f['b-node'] ? f['b-node'].split(' ') : []
      const own = i === 1 ? withSections(config, JSON.parse(f['b-config'])) : config
      g = await startCorral(bundle, {
        config: own,
        nodeArgs,
        workers: 1,
        label: `burst-ab-${i}`,
      })
    }
    gateways.push(await start(g))
  }
  pinAll(
    backends,
    gateways.map((g) => g.pid),
  )

  const reqs = requests(key)
  const pools = []
  for (const g of gateways) pools.push(await openPools([g.url], size, reqs.version))
  // As fleet.mjs: 6,400 one-token chats each, so V8 has compiled the hot paths.
  const request = withConversation(chatOf(reqs.chat, frames), Number(f['body-kb']))
  for (const p of pools) {
    await warmUp(p, chatOf(reqs.chat, 1))
    if (request.body.length > 64 * 1024) await warmUp(p, request, 640)
  }

  const results = gateways.map(() => ({
    main: [],
    all: [],
    ttfb: [],
    up: [],
    tokenP99: [],
    errors: 0,
  }))
  for (let i = 0; i < Number(f.pairs); i++) {
    for (const k of i % 2 ? [1, 0] : [0, 1]) {
      await sleep(100)
      const pids = treeOf([gateways[k].pid])
      const t0 = cpuNs(pids)
      const r = await burst(pools[k], request, size, 0)
      const t1 = cpuNs(pids)
      const out = results[k]
      out.main.push((t1.main - t0.main) / 1e3 / size)
      out.all.push((t1.all - t0.all) / 1e3 / size)
      out.ttfb.push(r.ttfbMs.p50)
      if (r.upMs.n > 0) out.up.push(r.upMs.p50)
      out.tokenP99.push(r.frameDelayMs.p99)
      out.errors += r.errors
    }
  }
  for (const [k, r] of results.entries()) {
    process.stdout.write(
      `${k === 0 ? 'A' : 'B'} ${bundles[k]}\n  main thread ${median(r.main).toFixed(0)} µs a ` +
        `request, all threads ${median(r.all).toFixed(0)}, first byte p50 ` +
        `${median(r.ttfb).toFixed(2)} ms (to the backend ${r.up.length ? median(r.up).toFixed(2) : '-'}), token +p99 ${median(r.tokenP99).toFixed(2)} ms, ` +
        `errors ${r.errors}\n`,
    )
  }
  for (const p of pools) await Promise.all(p.map((x) => x.close()))
} finally {
  await stopAll()
}
