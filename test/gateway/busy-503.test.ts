// Only Ollama's own "server busy" 503 (ollama server/sched.go ErrMaxQueue) marks a backend
// full and moves the request on; any other 503, such as a cloud model relaying ollama.com's
// status, is the client's answer, relayed as it is, and says nothing against the backend.
import { afterEach, expect, test } from 'vitest'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { generate, served } from '../support/fleet.js'
import { BUSY_MESSAGE } from '../support/fake-ollama.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

const full = async (g: TestGateway, id: string) =>
  (
    await g.control<{ backends: { id: string; full: boolean }[] }>('GET', '/control/backends')
  ).body.backends.find((b) => b.id === id)!.full

test('a 503 that is not Ollama’s busy answer reaches the client as it is and marks nothing full', async () => {
  gw = await startTestGateway({ backends: [{ loaded: ['llama3.2:latest'] }, {}] })
  await gw.running.corral.health.checkNow()
  const unavailable = { error: 'ollama.com is unavailable, try again later' }
  gw.fakes[0]!.fault(
    { kind: 'status', status: 503, body: unavailable },
    { paths: ['/api/generate'] },
  )
  const res = await generate(gw)
  expect(res.statusCode).toBe(503)
  expect(await res.body.json()).toEqual(unavailable)
  expect(served(gw)).toEqual([1, 0])
  expect(await full(gw, 'b0')).toBe(false)
})

test('Ollama’s busy answer on /v1 (OpenAI’s error shape) still moves the request on', async () => {
  gw = await startTestGateway({ backends: [{ loaded: ['llama3.2:latest'] }, {}] })
  await gw.running.corral.health.checkNow()
  const body = { error: { message: BUSY_MESSAGE, type: 'api_error', param: null, code: null } }
  gw.fakes[0]!.fault({ kind: 'status', status: 503, body }, { paths: ['/v1/chat/completions'] })
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
  const out = await client.chat.completions.create({
    model: 'llama3.2',
    messages: [{ role: 'user', content: 'hi' }],
  })
  expect(out.choices[0]!.message.content).toContain('b1-')
  expect(await full(gw, 'b0')).toBe(true)
})
