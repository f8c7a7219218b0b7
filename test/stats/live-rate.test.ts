// The live tokens/s follows a stream while it runs: a 20 tokens/s stream from the stand-in
// reads about 20 in the middle of it (not 0 until it ends) and falls to 0 once it ended
// (not 13-19 for the next five seconds). Pins the dashboard card and Activity's chart,
// which both read this number.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { request } from 'undici'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
beforeAll(async () => {
  // 60 frames 50 ms apart: 20 tokens a second for 3 s.
  gw = await startTestGateway({ backends: [{ frames: 60, frameIntervalMs: 50 }] })
})
afterAll(() => gw.close())

const liveTps = async () =>
  (await gw.control<{ tps: number; inFlight: number }>('GET', '/control/stats/live')).body

test('tokens/s shows a running stream at its rate, and 0 shortly after it ended', async () => {
  const res = await request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}` },
    body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
  })
  const done = res.body.text()
  await new Promise((r) => setTimeout(r, 1500))
  const during = await liveTps()
  expect(during.inFlight).toBe(1)
  expect(during.tps).toBeGreaterThan(14)
  expect(during.tps).toBeLessThan(26)
  await done
  const after = await eventually(async () => {
    const s = await liveTps()
    expect(s.inFlight).toBe(0)
    return s
  })
  expect(after.tps).toBeLessThan(1)
})
