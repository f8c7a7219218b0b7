// Capacity learned from the backends: Ollama's 503 "server busy" (past OLLAMA_MAX_QUEUE)
// marks a backend full, the request goes elsewhere or waits again, and no client sees
// the 503. A backend dying under load costs no request that has not started answering.
import { afterEach, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { burst, generate, served } from '../support/fleet.js'
import { BUSY_MESSAGE } from '../support/fake-ollama.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

interface BackendRow {
  id: string
  capacity: number
  effectiveCapacity: number
  queued: number
  full: boolean
}
const backendRow = async (g: TestGateway, id: string) =>
  (await g.control<{ backends: BackendRow[] }>('GET', '/control/backends')).body.backends.find(
    (b) => b.id === id,
  )!

test('a backend that takes 2 at once (and says busy past that) is sent 2 at once; no client sees a 503', async () => {
  gw = await startTestGateway({
    backends: [
      { loaded: ['llama3.2:latest'], maxPending: 2, firstByteDelayMs: 300 },
      { firstByteDelayMs: 300 },
    ],
  })
  await gw.running.corral.health.checkNow()
  expect(await burst(gw, 8)).toEqual(Array(8).fill(200))
  const learnedFrom = gw.fakes[0]!.busyAnswers
  expect(learnedFrom).toBeGreaterThan(0)
  expect(await backendRow(gw, 'b0')).toMatchObject({
    capacity: 4,
    effectiveCapacity: 2,
    full: true,
  })

  // Learned: the next burst sends it 2 at a time, and it never says busy again.
  expect(await burst(gw, 8)).toEqual(Array(8).fill(200))
  expect(gw.fakes[0]!.busyAnswers).toBe(learnedFrom)
  expect(served(gw).reduce((a, b) => a + b)).toBe(16 + learnedFrom)
})

test('a backend answering 503 busy gets no more requests until it frees up', async () => {
  gw = await startTestGateway({ backends: [{ loaded: ['llama3.2:latest'] }, {}] })
  await gw.running.corral.health.checkNow()
  const busy = gw.fakes[0]!
  // Someone else's load fills it: every generation is refused.
  busy.fault(
    { kind: 'status', status: 503, body: { error: BUSY_MESSAGE } },
    { paths: ['/api/generate'] },
  )
  for (let i = 0; i < 5; i++) {
    const res = await generate(gw)
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  }
  // One request found out; the four after it went to the other backend directly.
  expect(served(gw)).toEqual([1, 5])
  expect(await backendRow(gw, 'b0')).toMatchObject({ effectiveCapacity: 0, full: true })

  // It frees up: its health check (version, tags, ps) answers, and it gets a request again.
  busy.fault(null)
  await gw.running.corral.health.checkNow()
  expect(await backendRow(gw, 'b0')).toMatchObject({ effectiveCapacity: 1, full: true })
  const res = await generate(gw)
  expect(res.statusCode).toBe(200)
  await res.body.dump()
  expect(served(gw)).toEqual([2, 5])
})

test('a lone backend busy with someone else’s work: 503 CORRAL_ERR_BACKENDS_BUSY at once, with Retry-After', async () => {
  gw = await startTestGateway()
  await gw.running.corral.health.checkNow()
  gw.fakes[0]!.fault(
    { kind: 'status', status: 503, body: { error: BUSY_MESSAGE } },
    { paths: ['/api/generate'] },
  )
  const res = await generate(gw)
  expect(res.statusCode).toBe(503)
  expect(res.headers['retry-after']).toBe('1')
  expect(await res.body.json()).toEqual({ error: 'every backend with this model said it is busy' })
  expect(served(gw)).toEqual([1])
})

test('when every backend is busy the request waits for a slot instead of failing', async () => {
  gw = await startTestGateway({ backends: [{ maxPending: 1, firstByteDelayMs: 200 }] })
  await gw.running.corral.health.checkNow()
  expect(await burst(gw, 4)).toEqual(Array(4).fill(200))
  expect(gw.fakes[0]!.busyAnswers).toBeGreaterThan(0)
  expect(await backendRow(gw, 'b0')).toMatchObject({ effectiveCapacity: 1 })
})

test('killing the busiest backend under load costs no non-streaming request', async () => {
  gw = await startTestGateway({
    backends: [{ loaded: ['llama3.2:latest'] }, {}, {}].map((o) => ({
      ...o,
      firstByteDelayMs: 300,
    })),
  })
  await gw.running.corral.health.checkNow()
  const g = gw
  const all = burst(g, 24)
  await new Promise((r) => setTimeout(r, 100))
  const busiest = g.fakes.reduce((a, b) => (b.inFlight() > a.inFlight() ? b : a))
  expect(busiest.inFlight()).toBeGreaterThan(0)
  await busiest.kill()
  expect(await all).toEqual(Array(24).fill(200))
})
