// A backend that goes quiet in the middle of a stream: after upstreamIdleTimeoutMs with no
// byte the stream ends with an error frame and the backend request is cancelled; a slow
// stream whose frames keep coming is never cut, however long it runs in all (each read
// counts as progress: the timeout is one of silence, not a deadline).
import { afterEach, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

const open: TestGateway[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((g) => g.close()))
})

async function gateway(frames: number, frameIntervalMs: number) {
  const g = await startTestGateway({
    backends: [{ frames, frameIntervalMs }],
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.upstreamIdleTimeoutMs = 1000
    },
  })
  open.push(g)
  return g
}

async function chat(g: TestGateway) {
  const t0 = Date.now()
  const res = await request(`${g.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${g.key}` },
    body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
  })
  const lines = (await res.body.text()).trim().split('\n')
  return { status: res.statusCode, frames: lines.map((l) => JSON.parse(l)), ms: Date.now() - t0 }
}

test('a stream whose backend sends nothing for the idle timeout ends with an error frame and frees the backend', async () => {
  const g = await gateway(4, 4000)
  const res = await chat(g)
  expect(res.status).toBe(200)
  expect(res.frames[0]).toMatchObject({ done: false })
  expect(res.frames.at(-1)).toEqual({ error: expect.stringMatching(/backend/i) })
  expect(res.frames).toHaveLength(2)
  expect(res.ms).toBeGreaterThanOrEqual(950)
  expect(res.ms).toBeLessThan(3000)
  await expect
    .poll(() => g.fakes[0]!.requests.find((r) => r.path === '/api/chat')?.aborted, {
      timeout: 3000,
    })
    .toBe(true)
})

test('a slow stream whose frames keep coming outlives the idle timeout several times over', async () => {
  const g = await gateway(9, 400)
  const res = await chat(g)
  expect(res.status).toBe(200)
  expect(res.ms).toBeGreaterThan(3000)
  expect(res.frames.some((f) => 'error' in f)).toBe(false)
  expect(res.frames.at(-1)).toMatchObject({ done: true })
})
