// Kick: every running and queued request of a key ends now. The backend sees its request
// aborted (the GPU is freed) within a second; stream clients get a last error frame in
// their dialect (the real `ollama` and `openai` clients), others an error answer; the
// fair queue drops the key's waiters and serves the others.
import { afterEach, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'
import type { RecordedRequest } from '../support/fake-ollama.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

const slowStream = { frames: 2000, frameIntervalMs: 20 }
const messages = [{ role: 'user' as const, content: 'hi' }]

async function kick(gw: TestGateway, keyId: string) {
  const at = performance.timeOrigin + performance.now()
  const res = await gw.control<{ running: number; queued: number }>(
    'POST',
    `/control/keys/${keyId}/kick`,
  )
  expect(res.status).toBe(200)
  return { at, ...res.body }
}

/** The backend saw the client side of its request go away, within a second of the kick. */
async function expectAbortedWithinASecond(gw: TestGateway, at: number, path: string) {
  const rec: RecordedRequest = await gw.fakes[0]!.waitFor((r) => r.path === path && r.aborted, 1000)
  expect(rec.abortedAt! - at).toBeLessThan(1000)
  expect(gw.fakes[0]!.inFlight()).toBe(0)
}

describe('kicking a key', () => {
  test('ends an ollama-client stream with an error frame and aborts the backend request', async () => {
    gw = await startTestGateway({ backends: [slowStream] })
    const ollama = new Ollama({ host: gw.url, headers: { Authorization: `Bearer ${gw.key}` } })
    const stream = await ollama.chat({ model: 'llama3.2', messages, stream: true })
    const seen: string[] = []
    // Settled as a value at once: the rejection comes while the kick is being sent.
    const reading = (async () => {
      for await (const part of stream) seen.push(part.message.content)
    })().then(
      () => null,
      (e: unknown) => e,
    )
    await eventually(() => expect(seen.length).toBeGreaterThan(2))
    const k = await kick(gw, gw.keyId)
    expect(k).toMatchObject({ running: 1, queued: 0 })
    const err = await reading
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toBe('cancelled by the owner')
    await expectAbortedWithinASecond(gw, k.at, '/api/chat')
    expect(seen.length).toBeLessThan(2000)
  })

  test('ends an openai-client stream with an error event and aborts the backend request', async () => {
    gw = await startTestGateway({ backends: [slowStream] })
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    const stream = await openai.chat.completions.create({
      model: 'llama3.2',
      messages,
      stream: true,
    })
    let chunks = 0
    const reading = (async () => {
      for await (const _chunk of stream) chunks++
    })().then(
      () => null,
      (e: unknown) => e,
    )
    await eventually(() => expect(chunks).toBeGreaterThan(2))
    const k = await kick(gw, gw.keyId)
    const err = await reading
    expect(err).toBeInstanceOf(OpenAI.APIError)
    expect((err as Error).message).toContain('cancelled by the owner')
    await expectAbortedWithinASecond(gw, k.at, '/v1/chat/completions')
  })

  test('answers a stream:false request with 503 CORRAL_ERR_KICKED and aborts the backend request', async () => {
    gw = await startTestGateway({ backends: [{ firstByteDelayMs: 30_000 }] })
    const pending = request(`${gw.url}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
    })
    await gw.fakes[0]!.waitFor((r) => r.path === '/api/generate' && r.body !== undefined)
    const k = await kick(gw, gw.keyId)
    expect(k.running).toBe(1)
    const res = await pending
    expect(res.statusCode).toBe(503)
    expect(await res.body.json()).toEqual({ error: 'cancelled by the owner' })
    await expectAbortedWithinASecond(gw, k.at, '/api/generate')
  })

  test('drops the key’s waiters from the fair queue and lets the other key’s request through', async () => {
    gw = await startTestGateway({
      backends: [slowStream],
      config: (c) => void (c.backends[0]!.capacity = 1),
    })
    const bob = await gw.newKey({ name: 'bob' })
    const post = (key: string, stream: boolean) =>
      request(`${gw!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        // The waiters ask for 3 tokens, so bob's answer comes quickly once he has the slot.
        body: JSON.stringify({
          model: 'llama3.2',
          messages,
          stream,
          ...(stream ? {} : { max_tokens: 3 }),
        }),
      })
    const running = await post(gw.key, true)
    const queued = [post(gw.key, false), post(gw.key, false)]
    const bobs = post(bob.key, false)
    await eventually(async () => {
      const now = await gw!.control<{ keys: Array<{ keyName: string; queued: number }> }>(
        'GET',
        '/control/activity/now',
      )
      expect(now.body.keys).toEqual([
        expect.objectContaining({ keyName: 'alice', queued: 2 }),
        expect.objectContaining({ keyName: 'bob', queued: 1 }),
      ])
    })
    const k = await kick(gw, gw.keyId)
    expect(k).toMatchObject({ running: 1, queued: 2 })
    for (const res of await Promise.all(queued)) {
      expect(res.statusCode).toBe(503)
      expect(await res.body.json()).toMatchObject({
        error: { code: 'corral_err_kicked', message: 'cancelled by the owner' },
      })
    }
    expect(await running.body.text()).toMatch(
      /data: \{"error":\{"message":"cancelled by the owner"/,
    )
    const served = await bobs
    expect(served.statusCode).toBe(200)
    await served.body.dump()
    // Only alice's running stream and bob's request ever reached the backend.
    expect(gw.fakes[0]!.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(2)
  })

  test('is not a pause: the key’s next request is served', async () => {
    gw = await startTestGateway()
    await kick(gw, gw.keyId)
    const res = await request(`${gw.url}/api/tags`, {
      headers: { authorization: `Bearer ${gw.key}` },
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  })
})

describe('who is using the GPU now', () => {
  test('lists a running stream with its key, device, model, running time and tokens/s', async () => {
    gw = await startTestGateway({ backends: [slowStream] })
    const res = await request(`${gw.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'user-agent': 'test-laptop/1.0' },
      body: JSON.stringify({ model: 'llama3.2', messages }),
    })
    await new Promise((r) => setTimeout(r, 600))
    const now = await gw.control<{ keys: Array<Record<string, unknown>> }>(
      'GET',
      '/control/activity/now',
    )
    expect(now.body.keys).toEqual([
      expect.objectContaining({
        keyId: gw.keyId,
        keyName: 'alice',
        devices: [{ ip: '127.0.0.1', userAgent: 'test-laptop/1.0' }],
        models: ['llama3.2'],
        running: 1,
        queued: 0,
        paused: null,
      }),
    ])
    const row = now.body.keys[0]!
    expect(row.runningMs).toBeGreaterThanOrEqual(500)
    // 20 ms between frames: about 50 a second, whatever this machine's load.
    expect(row.tokensPerSecond).toBeGreaterThan(10)
    expect(row.tokensPerSecond).toBeLessThan(60)
    res.body.destroy()
    await eventually(async () => {
      const after = await gw!.control<{ keys: unknown[] }>('GET', '/control/activity/now')
      expect(after.body.keys).toEqual([])
    })
  })

  test('comes on the live feed (SSE) as `event: activity`, no request to ask for it', async () => {
    gw = await startTestGateway({ backends: [slowStream] })
    const feed = await request(`${gw.running.controlUrl}/control/events`, {
      headers: { authorization: `Bearer ${gw.running.token}` },
    })
    const events: Array<{ keys: Array<{ keyName: string; running: number }> }> = []
    let buffered = ''
    feed.body.on('data', (chunk: Buffer) => {
      buffered += String(chunk)
      const parts = buffered.split('\n\n')
      buffered = parts.pop()!
      for (const part of parts) {
        const m = /^event: activity\ndata: (.*)$/m.exec(part)
        if (m) events.push(JSON.parse(m[1]!) as (typeof events)[number])
      }
    })
    await eventually(() => expect(events).toHaveLength(1))
    expect(events[0]!.keys).toEqual([])
    const res = await request(`${gw.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ model: 'llama3.2', messages }),
    })
    await eventually(() =>
      expect(events.at(-1)!.keys).toEqual([
        expect.objectContaining({ keyName: 'alice', running: 1 }),
      ]),
    )
    res.body.destroy()
    await eventually(() => expect(events.at(-1)!.keys).toEqual([]))
    feed.body.destroy()
  })
})
