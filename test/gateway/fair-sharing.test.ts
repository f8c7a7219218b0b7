// One GPU, several teammates: limits, the fair queue, IP lists and model
// lists, through the real gateway with real clients.
import { afterEach, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'
import { updateKey } from '../../gateway/auth/manage.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

const chat = (
  url: string,
  key: string,
  content = 'hi',
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) =>
  request(`${url}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({
      model: 'llama3.2',
      messages: [{ role: 'user', content }],
      stream: false,
      ...extra,
    }),
  })

describe('requests per window', () => {
  test('the window limit answers 429 with Retry-After and RateLimit-* headers, and recovers after the window', async () => {
    gw = await startTestGateway({ key: { limits: { requests: 3, windowSeconds: 1 } } })
    const statuses: number[] = []
    let limited
    for (let i = 0; i < 4; i++) {
      const res = await chat(gw.url, gw.key)
      statuses.push(res.statusCode)
      if (res.statusCode === 429) limited = { headers: res.headers, body: await res.body.json() }
      else await res.body.dump()
    }
    expect(statuses).toEqual([200, 200, 200, 429])
    expect(limited!.headers['retry-after']).toBe('1')
    expect(limited!.headers['ratelimit-limit']).toBe('3')
    expect(limited!.headers['ratelimit-remaining']).toBe('0')
    expect(Number(limited!.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(0)
    expect(limited!.body).toEqual({
      error: expect.stringMatching(/rate limit exceeded: 3 requests per 1s/),
    })
    await new Promise((r) => setTimeout(r, 1100))
    const again = await chat(gw.url, gw.key)
    expect(again.statusCode).toBe(200)
    expect(again.headers['ratelimit-remaining']).toBe('2')
    await again.body.dump()
  })

  test('the OpenAI client sees a RateLimitError; a changed limit applies to the next request', async () => {
    gw = await startTestGateway({ key: { limits: { requests: 1, windowSeconds: 60 } } })
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    // A chat, not the model list: model lists never use up the budget (limits/fastify.ts).
    const ask = () =>
      openai.chat.completions.create({
        model: 'llama3.2',
        messages: [{ role: 'user', content: 'hi' }],
      })
    await ask()
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.RateLimitError)
    await updateKey((m) => gw!.running.corral.update(m), gw.keyId, { limits: { requests: 100 } })
    await expect(ask()).resolves.toBeTruthy()
  })

  test('keys without limits of their own get the defaults', async () => {
    gw = await startTestGateway({
      config: (c) =>
        void (c.limits.defaults = { ...c.limits.defaults, requests: 2, windowSeconds: 60 }),
    })
    const codes = []
    for (let i = 0; i < 3; i++) {
      const r = await chat(gw.url, gw.key)
      codes.push(r.statusCode)
      await r.body.dump()
    }
    expect(codes).toEqual([200, 200, 429])
  })
})

test('the token limit trips once the tokens of the last minute are spent', async () => {
  // Each chat: 1 prompt word + 5 completion frames = 6 tokens.
  gw = await startTestGateway({
    backends: [{ frames: 5, frameIntervalMs: 1 }],
    key: { limits: { tokensPerMinute: 12 } },
  })
  const ollama = new Ollama({ host: gw.url, headers: { authorization: gw.key } })
  await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'one' }] })
  await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'two' }] })
  const err = await ollama
    .chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'three' }] })
    .catch((e: unknown) => e)
  expect(String(err)).toMatch(/token limit exceeded/)
  const res = await chat(gw.url, gw.key)
  expect(res.statusCode).toBe(429)
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1)
  await res.body.dump()
})

test('the concurrency cap holds under 50 parallel requests', async () => {
  gw = await startTestGateway({
    backends: [{ frames: 3, frameIntervalMs: 30 }],
    key: { limits: { concurrency: 5 } },
  })
  const results = await Promise.all(
    Array.from({ length: 50 }, async () => {
      const r = await chat(gw!.url, gw!.key, 'x', { stream: true })
      await r.body.dump()
      return r.statusCode
    }),
  )
  const ok = results.filter((s) => s === 200).length
  expect(ok).toBeGreaterThanOrEqual(5)
  expect(results.filter((s) => s !== 200 && s !== 429)).toEqual([])
  // The backend never saw more than 5 at once from this key.
  expect(
    maxOverlap(gw.fakes[0]!.requests.filter((r) => r.path === '/api/chat')),
  ).toBeLessThanOrEqual(5)
})

test('the fair queue: a key flooding the backend delays another key by at most one slot', async () => {
  gw = await startTestGateway({
    backends: [{ frames: 2, frameIntervalMs: 60 }],
    config: (c) => void (c.backends[0]!.capacity = 1),
  })
  const fake = gw.fakes[0]!
  const other = await gw.newKey({ name: 'bob' })
  const flood = Array.from({ length: 12 }, (_, i) =>
    chat(gw!.url, gw!.key, `alice-${i}`).then((r) => r.body.dump()),
  )
  await fake.waitFor((r) => r.path === '/api/chat')
  await eventually(() => expect(gw!.running.corral.limiters.queueDepth()).toBeGreaterThanOrEqual(8))
  // Requests the backend already has when bob arrives; bob must be the very next one.
  const startedBeforeBob = fake.requests.filter((r) => r.path === '/api/chat').length
  const single = chat(gw.url, other.key, 'bob-0').then((r) => r.statusCode)
  expect(await single).toBe(200)
  await Promise.all(flood)
  const order = fake.requests
    .filter((r) => r.path === '/api/chat')
    .map((r) => (r.body as { messages: Array<{ content: string }> }).messages[0]!.content)
  expect(order.indexOf('bob-0')).toBe(startedBeforeBob)
  // Every one of alice's requests was served too (their arrival order is the client's business).
  expect(order.filter((c) => c !== 'bob-0').sort()).toEqual(
    Array.from({ length: 12 }, (_, i) => `alice-${i}`).sort(),
  )
})

test('a full queue answers 503 with Retry-After, and a client that leaves is dropped from the queue', async () => {
  gw = await startTestGateway({
    // The first request holds the one slot for ~1.6 s, so the queue is still full when the
    // third arrives on a loaded machine.
    backends: [{ frames: 2, frameIntervalMs: 800 }],
    config: (c) => {
      c.backends[0]!.capacity = 1
      c.queue.maxQueuedPerKey = 2
    },
  })
  const running = chat(gw.url, gw.key, 'first').then((r) => r.body.dump())
  await gw.fakes[0]!.waitFor((r) => r.path === '/api/chat')
  const ac = new AbortController()
  const leaving = request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: gw.key },
    body: JSON.stringify({ model: 'llama3.2', messages: [] }),
    signal: ac.signal,
  }).catch(() => null)
  const waiting = chat(gw.url, gw.key, 'second').then((r) => r.body.dump())
  await eventually(() => expect(gw!.running.corral.limiters.queueDepth()).toBe(2))
  const full = await chat(gw.url, gw.key, 'third')
  expect(full.statusCode).toBe(503)
  expect(Number(full.headers['retry-after'])).toBeGreaterThanOrEqual(1)
  expect(await full.body.json()).toMatchObject({
    error: expect.stringMatching(/too many requests waiting/),
  })
  ac.abort()
  await leaving
  await eventually(() => expect(gw!.running.corral.limiters.queueDepth()).toBe(1))
  await Promise.all([running, waiting])
})

describe('IP access', () => {
  test('a refused address gets 403 before any key check', async () => {
    gw = await startTestGateway({ config: (c) => void (c.access.allow = ['10.0.0.0/8']) })
    const res = await request(`${gw.url}/api/tags`)
    expect(res.statusCode).toBe(403)
    expect(await res.body.json()).toEqual({ error: 'your address may not use this gateway' })
  })

  test('a spoofed X-Forwarded-For from an untrusted peer does not pass', async () => {
    gw = await startTestGateway({ config: (c) => void (c.access.allow = ['10.0.0.0/8']) })
    const res = await chat(gw.url, gw.key, 'x', {}, { 'x-forwarded-for': '10.1.2.3' })
    expect(res.statusCode).toBe(403)
    await res.body.dump()
  })

  test('X-Forwarded-For from a trusted proxy is used, and deny wins', async () => {
    gw = await startTestGateway({
      config: (c) => {
        c.access.allow = ['10.0.0.0/8']
        c.access.deny = ['10.6.6.6']
        c.access.trustedProxies = ['127.0.0.1']
      },
    })
    const ok = await chat(gw.url, gw.key, 'x', {}, { 'x-forwarded-for': '10.1.2.3' })
    expect(ok.statusCode).toBe(200)
    await ok.body.dump()
    const denied = await chat(gw.url, gw.key, 'x', {}, { 'x-forwarded-for': '10.6.6.6' })
    expect(denied.statusCode).toBe(403)
    await denied.body.dump()
    const outside = await chat(gw.url, gw.key, 'x', {}, { 'x-forwarded-for': '8.8.8.8' })
    expect(outside.statusCode).toBe(403)
    await outside.body.dump()
  })
})

describe('model allowlists', () => {
  test('a disallowed model is refused and hidden from /api/tags and /v1/models', async () => {
    gw = await startTestGateway({ key: { models: ['qwen2.5:*', 'nomic-embed-text'] } })
    const ollama = new Ollama({ host: gw.url, headers: { authorization: gw.key } })
    expect((await ollama.list()).models.map((m) => m.name)).toEqual([
      'qwen2.5:0.5b',
      'nomic-embed-text:latest',
    ])
    await expect(ollama.chat({ model: 'llama3.2', messages: [] })).rejects.toThrow(
      /may not use model "llama3.2"/,
    )
    await expect(ollama.chat({ model: 'qwen2.5:0.5b', messages: [] })).resolves.toBeTruthy()
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    expect((await openai.models.list()).data.map((m) => m.id)).toEqual([
      'qwen2.5:0.5b',
      'nomic-embed-text:latest',
    ])
    const err = await openai.chat.completions
      .create({ model: 'llama3.2', messages: [] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError)
  })
})

test('the output cap rewrites num_predict and max_tokens before the backend sees them', async () => {
  gw = await startTestGateway({
    backends: [{ frames: 20, frameIntervalMs: 1 }],
    key: { limits: { maxOutputTokens: 3 } },
  })
  const ollama = new Ollama({ host: gw.url, headers: { authorization: gw.key } })
  const res = await ollama.generate({
    model: 'llama3.2',
    prompt: 'tell me everything',
    options: { num_predict: 1000 },
  })
  expect(res.eval_count).toBe(3)
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
  const c = await openai.chat.completions.create({
    model: 'llama3.2',
    messages: [{ role: 'user', content: 'x' }],
  })
  expect(c.usage?.completion_tokens).toBe(3)
  const seen = gw.fakes[0]!.requests.find((r) => r.path === '/v1/chat/completions')!.body as {
    max_tokens: number
  }
  expect(seen.max_tokens).toBe(3)
})

function maxOverlap(reqs: Array<{ at: number; aborted: boolean; finished: boolean }>): number {
  // Requests are recorded at arrival; with a fixed stream length, count arrivals within one stream's time.
  const times = reqs.map((r) => r.at).sort((a, b) => a - b)
  let best = 0
  for (let i = 0; i < times.length; i++) {
    let n = 0
    for (let j = i; j < times.length && times[j]! - times[i]! < 60; j++) n++
    best = Math.max(best, n)
  }
  return best
}
