// Three backends with the same model, one of them with it loaded: the loaded one is
// preferred only while it has a free slot; past that, waiting requests spill over to
// the least-loaded backends that have the model. Sequential traffic stays put.
import { afterEach, expect, test } from 'vitest'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'
import { burst, generate, served } from '../support/fleet.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

async function threeBackends(): Promise<TestGateway> {
  const g = await startTestGateway({
    // b0 has llama3.2 loaded; b1 and b2 have it on disk only. Each request takes 300 ms.
    backends: [{ loaded: ['llama3.2:latest'] }, {}, {}].map((o) => ({
      ...o,
      firstByteDelayMs: 300,
    })),
  })
  await g.running.corral.health.checkNow()
  return g
}

test('24 concurrent requests spread across all three backends, not 24 on the loaded one', async () => {
  gw = await threeBackends()
  const g = gw
  const peaks = [0, 0, 0]
  const sampler = setInterval(() => {
    g.fakes.forEach((f, i) => (peaks[i] = Math.max(peaks[i]!, f.inFlight())))
  }, 10)
  const statuses = await burst(g, 24)
  clearInterval(sampler)
  expect(statuses.every((s) => s === 200)).toBe(true)
  // Capacity 4 each: 4 on the loaded one at once, the rest fill the others and queue evenly
  // (8 each when all 24 arrive before the first ends; a slow machine shifts a few).
  const counts = served(g)
  expect(counts.reduce((a, b) => a + b)).toBe(24)
  for (const c of counts) expect(c).toBeGreaterThanOrEqual(6)
  expect(Math.max(...peaks)).toBe(4)
  for (const p of peaks) expect(p).toBeGreaterThanOrEqual(3)
})

test('sequential requests stay on the backend with the model loaded', async () => {
  gw = await threeBackends()
  for (let i = 0; i < 6; i++) await (await generate(gw)).body.dump()
  expect(served(gw)).toEqual([6, 0, 0])
})

test('a fifth concurrent request goes to an idle backend at once instead of queueing', async () => {
  gw = await threeBackends()
  const g = gw
  g.fakes[0]!.options.firstByteDelayMs = 1500
  const first = Array.from({ length: 4 }, () => generate(g))
  await eventually(() => expect(g.fakes[0]!.inFlight()).toBe(4))
  const fifth = await generate(g)
  expect(fifth.statusCode).toBe(200)
  await fifth.body.dump()
  // It did not wait for one of the loaded backend's slots (1.5 s): it ran while those four did.
  expect(g.fakes[0]!.inFlight()).toBe(4)
  expect(served(g)[0]).toBe(4)
  expect(served(g)[1]! + served(g)[2]!).toBe(1)
  await Promise.all(first.map(async (p) => (await p).body.dump()))
})
