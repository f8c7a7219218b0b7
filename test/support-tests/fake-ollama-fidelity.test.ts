/**
 * The stand-in behaves as Ollama v0.33 does, each case read from Ollama's source (cited per test).
 * These pin the stand-in itself; the gateway's own tests then run against it.
 */
import { spawnSync } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import { BUSY_MESSAGE, startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'

let fake: FakeOllama

beforeAll(async () => {
  fake = await startFakeOllama({
    frames: 3,
    frameIntervalMs: 1,
    models: [
      { name: 'llama3.2:latest' },
      { name: 'gpt-oss:120b-cloud' },
      { name: 'kimi-k2.7-code:cloud' },
    ],
  })
})
afterAll(() => fake.close())

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(fake.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    redirect: 'manual',
  })

describe('frames (api/types.go field order)', () => {
  it('ends each streamed chat frame with "done":false and puts done_reason before the metrics', async () => {
    const res = await post('/api/chat', {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi there' }],
    })
    const lines = (await res.text()).trim().split('\n')
    expect(lines[0]).toMatch(
      /^\{"model":"llama3\.2","created_at":"[^"]+","message":\{"role":"assistant","content":"[^"]*"\},"done":false\}$/,
    )
    const last = JSON.parse(lines.at(-1)!) as Record<string, unknown>
    expect(Object.keys(last)).toEqual([
      'model',
      'created_at',
      'message',
      'done',
      'done_reason',
      'total_duration',
      'load_duration',
      'prompt_eval_count',
      'prompt_eval_duration',
      'eval_count',
      'eval_duration',
    ])
  })

  it('carries context in the final /api/generate frame, between done_reason and the metrics', async () => {
    const res = await post('/api/generate', { model: 'llama3.2', prompt: 'hi', stream: false })
    expect(Object.keys((await res.json()) as object).slice(3, 7)).toEqual([
      'done',
      'done_reason',
      'context',
      'total_duration',
    ])
  })

  it('answers an empty prompt with a load, and keep_alive 0 with an unload (routes.go)', async () => {
    const ollama = new Ollama({ host: fake.url })
    const load = await ollama.generate({ model: 'llama3.2', prompt: '' })
    expect(load).toMatchObject({ done: true, done_reason: 'load', response: '' })
    const unload = await ollama.chat({ model: 'llama3.2', messages: [], keep_alive: 0 })
    expect(unload).toMatchObject({
      done: true,
      done_reason: 'unload',
      message: { role: 'assistant' },
    })
  })

  it('writes a mid-stream failure as one {"error":...} line and ends the stream (streamResponse)', async () => {
    fake.fault(
      { kind: 'error-mid-stream', afterFrames: 2, message: 'model runner crashed' },
      { times: 1 },
    )
    const res = await post('/api/chat', {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'x' }],
    })
    expect(res.status).toBe(200)
    const lines = (await res.text()).trim().split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toBe('{"error":"model runner crashed"}')
  })

  it('answers a full queue with 503 and sched.go ErrMaxQueue text, in each dialect', async () => {
    const full = await startFakeOllama({ maxPending: 0 })
    try {
      const body = { model: 'llama3.2', messages: [{ role: 'user', content: 'x' }], max_tokens: 5 }
      const native = await fetch(`${full.url}/api/chat`, {
        method: 'POST',
        body: JSON.stringify(body),
      })
      expect(native.status).toBe(503)
      expect(await native.json()).toEqual({ error: BUSY_MESSAGE })
      const v1 = await fetch(`${full.url}/v1/messages`, {
        method: 'POST',
        body: JSON.stringify(body),
      })
      expect(v1.status).toBe(503)
      expect(await v1.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } })
    } finally {
      await full.close()
    }
  })
})

describe('guards (routes.go: gin-contrib/cors, allowedHostsMiddleware; envconfig AllowedOrigins)', () => {
  it('answers 403 with an empty body to an Origin outside OLLAMA_ORIGINS', async () => {
    const res = await fetch(`${fake.url}/api/tags`, { headers: { origin: 'http://evil.example' } })
    expect(res.status).toBe(403)
    expect(await res.text()).toBe('')
  })

  it('lets the default origins in and answers their preflight with 204', async () => {
    for (const origin of [
      'http://localhost:5173',
      'app://obsidian.md',
      'vscode-webview://abc',
      'tauri://localhost',
    ]) {
      const res = await fetch(`${fake.url}/api/tags`, { headers: { origin } })
      expect(res.status, origin).toBe(200)
      expect(res.headers.get('access-control-allow-origin')).toBe(origin)
    }
    const pre = await fetch(`${fake.url}/api/chat`, {
      method: 'OPTIONS',
      headers: { origin: 'http://127.0.0.1:3000', 'access-control-request-method': 'POST' },
    })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-headers')).toContain('Authorization')
  })

  it('answers 403 to a Host that is not local when it listens on loopback', async () => {
    const { request } = await import('undici')
    const res = await request(`${fake.url}/api/version`, {
      headers: { host: 'ollama.example.com' },
    })
    expect(res.statusCode).toBe(403)
    expect(await res.body.text()).toBe('')
    const ok = await request(`${fake.url}/api/version`, { headers: { host: 'gpu.local:11434' } })
    expect(ok.statusCode).toBe(200)
    await ok.body.dump()
  })
})

describe('router (gin: HandleMethodNotAllowed, RedirectTrailingSlash)', () => {
  it('answers a wrong method with 405 and a trailing slash with a redirect', async () => {
    const wrong = await fetch(`${fake.url}/api/ps`, { method: 'POST' })
    expect(wrong.status).toBe(405)
    expect(await wrong.text()).toBe('405 method not allowed')
    const slash = await post('/api/chat/', {})
    expect(slash.status).toBe(307)
    expect(slash.headers.get('location')).toBe('/api/chat')
    expect((await fetch(`${fake.url}/api/tags/`, { redirect: 'manual' })).status).toBe(301)
    expect((await fetch(`${fake.url}/api/status`)).status).toBe(200)
  })
})

describe('names (types/model/name.go, internal/modelref)', () => {
  it('serves the default registry, namespace, tag and case forms of one model', async () => {
    for (const model of [
      'llama3.2',
      'llama3.2:latest',
      'library/llama3.2',
      'registry.ollama.ai/library/llama3.2:latest',
      'Llama3.2',
      'llama3.2:local',
    ]) {
      const res = await post('/api/show', { model })
      expect(res.status, model).toBe(200)
    }
  })

  it('finds cloud models by their :cloud and -cloud forms', async () => {
    for (const model of ['gpt-oss:120b-cloud', 'gpt-oss:120b:cloud', 'kimi-k2.7-code:cloud']) {
      expect((await post('/api/show', { model })).status, model).toBe(200)
    }
    expect((await post('/api/show', { model: 'gpt-oss:120b' })).status).toBe(404)
  })
})

describe('/v1 (middleware/openai.go, anthropic.go, cloud_proxy.go)', () => {
  it('decompresses a zstd body on /v1 (cloudPassthroughMiddleware)', () => {
    const body = JSON.stringify({ model: 'llama3.2', input: 'hello' })
    const zstd = spawnSync('zstd', ['-c', '-q'], { input: body })
    expect(zstd.status).toBe(0)
    return post('/v1/responses', zstd.stdout, { 'content-encoding': 'zstd' }).then(async (res) => {
      expect(res.status).toBe(200)
      expect(await res.json()).toMatchObject({ object: 'response', status: 'completed' })
    })
  })

  it('streams Responses events with sorted keys and the usage on response.completed', async () => {
    const openai = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'x', maxRetries: 0 })
    const stream = await openai.responses.create({
      model: 'llama3.2',
      input: 'say hi',
      stream: true,
    })
    const types: string[] = []
    let usage: unknown
    for await (const ev of stream) {
      types.push(ev.type)
      if (ev.type === 'response.completed') usage = ev.response.usage
    }
    expect(types[0]).toBe('response.created')
    expect(types.at(-1)).toBe('response.completed')
    expect(usage).toMatchObject({ input_tokens: 2, output_tokens: 3, total_tokens: 5 })
    const raw = await (
      await post('/v1/responses', { model: 'llama3.2', input: 'x', stream: true })
    ).text()
    const delta = raw.split('\n\n').find((e) => e.startsWith('event: response.output_text.delta'))!
    const data = delta.slice(delta.indexOf('data: ') + 6)
    expect(Object.keys(JSON.parse(data) as object)).toEqual([
      'content_index',
      'delta',
      'item_id',
      'logprobs',
      'output_index',
      'sequence_number',
      'type',
    ])
  })

  it('speaks Anthropic Messages to @anthropic-ai/sdk, stream and errors', async () => {
    const client = new Anthropic({ baseURL: fake.url, apiKey: 'x', maxRetries: 0 })
    const msg = await client.messages.create({
      model: 'llama3.2',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(msg.content[0]).toMatchObject({ type: 'text' })
    expect(msg.stop_reason).toBe('end_turn')
    const stream = client.messages.stream({
      model: 'llama3.2',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    })
    const final = await stream.finalMessage()
    expect(final.usage.output_tokens).toBe(3)
    const err = await client.messages
      .create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.NotFoundError)
    const body = await (await post('/v1/messages', { model: 'llama3.2', messages: [] })).json()
    expect(body).toMatchObject({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: 'max_tokens is required and must be positive',
      },
    })
  })

  it('transcribes a multipart upload on /v1/audio/transcriptions', async () => {
    const openai = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'x', maxRetries: 0 })
    const file = new File([Buffer.from('RIFF....WAVEfmt ')], 'a.wav', { type: 'audio/wav' })
    const out = await openai.audio.transcriptions.create({ model: 'llama3.2', file })
    expect(out.text).toContain('fake-tok0')
  })
})
