// Streams reach the client frame by frame, are never cut while a model loads,
// and a client that leaves cancels the backend's work.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
const chatBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], ...extra })

beforeAll(async () => {
  gw = await startTestGateway({ backends: [{ frames: 5, frameIntervalMs: 80 }] })
})
afterAll(() => gw.close())

function fake() {
  return gw.fakes[0]!
}

test('NDJSON frames arrive one by one as the backend sends them, not buffered', async () => {
  const res = await request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: gw.key },
    body: chatBody(),
  })
  expect(res.headers['content-type']).toContain('application/x-ndjson')
  expect(res.headers['x-accel-buffering']).toBe('no')
  const arrivals: number[] = []
  let buffered = ''
  for await (const chunk of res.body) {
    buffered += String(chunk)
    const lines = buffered.split('\n')
    buffered = lines.pop()!
    for (const l of lines) if (l) arrivals.push(Date.now())
  }
  expect(arrivals).toHaveLength(6)
  // 5 frames 80 ms apart: a buffering proxy would deliver them all at once (two gaps of
  // room for a loaded machine that reads two frames in one go).
  expect(arrivals.at(-2)! - arrivals[0]!).toBeGreaterThanOrEqual(160)
})

test('SSE events on /v1 arrive one by one too', async () => {
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
  const stream = await openai.chat.completions.create({
    model: 'llama3.2',
    messages: [{ role: 'user', content: 'x' }],
    stream: true,
  })
  const arrivals: number[] = []
  for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) arrivals.push(Date.now())
  expect(arrivals).toHaveLength(5)
  // 4 gaps of 80 ms: a buffering proxy delivers them together (~0 ms). Two gaps' worth leaves
  // room for a loaded machine that reads two frames in one go.
  expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(160)
})

describe('a client that goes away cancels the backend request', () => {
  test('in the middle of a stream', async () => {
    fake().reset()
    const ac = new AbortController()
    const res = await request(`${gw.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: gw.key },
      body: chatBody(),
      signal: ac.signal,
    })
    const it = res.body[Symbol.asyncIterator]()
    await it.next()
    ac.abort()
    const seen = await eventually(() => {
      const r = fake().requests.find((x) => x.path === '/api/chat')!
      expect(r.aborted).toBe(true)
      return r
    })
    expect(seen.finished).toBe(false)
  })

  test('before the backend sent its headers (a model still loading)', async () => {
    fake().reset()
    fake().fault({ kind: 'hang-before-headers' }, { times: 1 })
    const ac = new AbortController()
    const pending = request(`${gw.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: gw.key },
      body: chatBody(),
      signal: ac.signal,
    })
    await fake().waitFor((r) => r.path === '/api/chat')
    ac.abort()
    await expect(pending).rejects.toThrow()
    await eventually(() =>
      expect(fake().requests.find((x) => x.path === '/api/chat')!.aborted).toBe(true),
    )
    expect(fake().inFlight()).toBe(0)
  })

  test('for a stream:false generation', async () => {
    fake().reset()
    fake().options.firstByteDelayMs = 5_000
    try {
      const ac = new AbortController()
      const ollama = new Ollama({
        host: gw.url,
        headers: { authorization: gw.key },
        fetch: (u, i) => fetch(u, { ...i, signal: ac.signal }),
      })
      const pending = ollama.generate({ model: 'llama3.2', prompt: 'long job', stream: false })
      await fake().waitFor((r) => r.path === '/api/generate')
      ac.abort()
      await expect(pending).rejects.toThrow()
      await eventually(() =>
        expect(fake().requests.find((x) => x.path === '/api/generate')!.aborted).toBe(true),
      )
    } finally {
      fake().options.firstByteDelayMs = 0
    }
  })
})

describe('a stream that breaks midway ends with an error frame, never a silent cut', () => {
  test('Ollama dialect: the ollama client raises the error', async () => {
    fake().fault({ kind: 'break-mid-stream', afterFrames: 2 }, { times: 1 })
    const ollama = new Ollama({ host: gw.url, headers: { authorization: gw.key } })
    const stream = await ollama.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    })
    const got: string[] = []
    await expect(
      (async () => {
        for await (const p of stream) got.push(p.message.content)
      })(),
    ).rejects.toThrow(/stopped in the middle/)
    expect(got).toEqual(['b0-tok0 ', 'b0-tok1 '])
  })

  test('OpenAI dialect: the openai client raises the error', async () => {
    fake().fault({ kind: 'break-mid-stream', afterFrames: 2 }, { times: 1 })
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    const stream = await openai.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    })
    await expect(
      (async () => {
        for await (const _c of stream) void _c
      })(),
    ).rejects.toThrow(/stopped in the middle/)
  })
})

test('a first byte after 12 s (a cold model load) still arrives', { timeout: 30_000 }, async () => {
  fake().options.firstByteDelayMs = 12_500
  try {
    const started = Date.now()
    const res = await request(`${gw.url}/api/generate`, {
      method: 'POST',
      headers: { authorization: gw.key },
      body: JSON.stringify({ model: 'llama3.2', prompt: 'cold', stream: false }),
    })
    expect(res.statusCode).toBe(200)
    const body = (await res.body.json()) as { done: boolean }
    expect(body.done).toBe(true)
    expect(Date.now() - started).toBeGreaterThanOrEqual(12_000)
  } finally {
    fake().options.firstByteDelayMs = 0
  }
})
