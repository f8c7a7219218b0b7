// The load for bench/main-thread.mjs, in its own process (clients are other machines):
// 32 chat streams through the gateway for the duration, and meanwhile the window's
// heaviest question, 90 days of stats (summary by key and an hourly series), every 2 s.
// argv[2]: JSON { gatewayUrl, controlUrl, token, key, streams, durationMs }.
import { manyStreams } from './load.mjs'
import { requests } from './phases.mjs'

const o = JSON.parse(process.argv[2])
const reqs = requests(o.key)
const queryMs = []
let querying = true

async function statsQueries() {
  const headers = { authorization: `Bearer ${o.token}` }
  while (querying) {
    const t = performance.now()
    for (const p of [
      '/control/stats/summary?since=90d&by=key',
      '/control/stats/series?since=90d&bucket=3600000',
    ]) {
      const res = await fetch(`${o.controlUrl}${p}`, { headers })
      if (res.status !== 200) throw new Error(`${p}: ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
    }
    queryMs.push(performance.now() - t)
    await new Promise((r) => setTimeout(r, 2000))
  }
}

const queries = statsQueries()
const streams = await manyStreams({
  origin: o.gatewayUrl,
  request: reqs.chat,
  warmRequest: reqs.version,
  streams: o.streams,
  durationMs: o.durationMs,
  rampMs: 1000,
})
querying = false
await queries
process.send({ streams: { complete: streams.complete, errors: streams.errors }, queryMs })
