import { createHash } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Agent, request } from 'undici'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { startFakeOllama } from '../support/fake-ollama.js'
import type { FakeOllama } from '../support/fake-ollama.js'

let fake: FakeOllama
let ollama: Ollama
let openai: OpenAI

beforeEach(async () => {
  fake = await startFakeOllama({ frames: 3, frameIntervalMs: 1, name: 'a' })
  ollama = new Ollama({ host: fake.url })
  openai = new OpenAI({ baseURL: `${fake.url}/v1`, apiKey: 'x', maxRetries: 0 })
})

afterEach(async () => {
  await fake.close()
})

const post = (path: string, body: unknown, signal?: AbortSignal): Promise<Response> =>
  fetch(fake.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  })

const ndjson = (text: string): Record<string, unknown>[] =>
  text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)

const sse = (text: string): unknown[] =>
  text
    .split('\n\n')
    .filter((block) => block.startsWith('data: ') && block !== 'data: [DONE]')
    .map((block) => JSON.parse(block.slice('data: '.length)) as unknown)

const chatBody = {
  model: 'llama3.2',
  messages: [{ role: 'user' as const, content: 'hello there' }],
}

describe('status and inventory', () => {
  it('answers / like Ollama and reports its version', async () => {
    const root = await fetch(fake.url)
    expect(root.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await root.text()).toBe('Ollama is running')
    expect((await fetch(fake.url, { method: 'HEAD' })).status).toBe(200)
    expect(await ollama.version()).toEqual({ version: '0.33.0' })
  })

  it('lists models with Ollama fields through the ollama client', async () => {
    const { models } = await ollama.list()
    expect(models.map((m) => m.name)).toEqual([
      'llama3.2:latest',
      'qwen2.5:0.5b',
      'nomic-embed-text:latest',
    ])
    const llama = models[0]!
    expect(llama.digest).toBe(createHash('sha256').update('llama3.2:latest').digest('hex'))
    expect(llama.details).toMatchObject({ family: 'llama', families: ['llama'], format: 'gguf' })
    expect(llama.details.quantization_level).toBe('Q4_K_M')
  })

  it('reports the loaded models on /api/ps', async () => {
    expect((await ollama.ps()).models).toEqual([])
    fake.options.loaded = ['qwen2.5:0.5b']
    const [m] = (await ollama.ps()).models
    expect(m).toMatchObject({ name: 'qwen2.5:0.5b', model: 'qwen2.5:0.5b' })
    expect(m!.size_vram).toBe(m!.size)
    expect(Date.parse(String(m!.expires_at))).toBeGreaterThan(Date.now())
  })

  it('shows a model and answers 404 for an unknown one', async () => {
    const shown = await ollama.show({ model: 'nomic-embed-text' })
    expect(shown.capabilities).toEqual(['embedding'])
    expect(shown.model_info).toHaveProperty('general.architecture', 'nomic-bert')
    await expect(ollama.show({ model: 'nope' })).rejects.toMatchObject({
      status_code: 404,
      error: "model 'nope' not found",
    })
  })
})

describe('native inference', () => {
  it('streams a chat as N content frames then a done frame with counts', async () => {
    const parts = []
    for await (const part of await ollama.chat({ ...chatBody, stream: true })) parts.push(part)
    expect(parts.map((p) => p.message.content)).toEqual(['a-tok0 ', 'a-tok1 ', 'a-tok2 ', ''])
    expect(parts.slice(0, 3).every((p) => !p.done)).toBe(true)
    expect(parts[3]).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 2 })
    expect(parts[3]!.eval_count).toBe(3)
    const res = await post('/api/chat', chatBody)
    expect(res.headers.get('content-type')).toBe('application/x-ndjson')
    expect(ndjson(await res.text())).toHaveLength(4)
  })

  it('answers generate with stream:false as one object with the whole text', async () => {
    const out = await ollama.generate({ model: 'qwen2.5:0.5b', prompt: 'one two three' })
    expect(out).toMatchObject({ response: 'a-tok0 a-tok1 a-tok2 ', done: true })
    expect(out).toMatchObject({ prompt_eval_count: 3, eval_count: 3, model: 'qwen2.5:0.5b' })
  })

  it('caps the frames with options.num_predict and reports length', async () => {
    const res = await post('/api/generate', {
      model: 'llama3.2',
      prompt: 'hi',
      options: { num_predict: 2 },
    })
    const frames = ndjson(await res.text())
    expect(frames.map((f) => f.response)).toEqual(['a-tok0 ', 'a-tok1 ', ''])
    expect(frames[2]).toMatchObject({ done: true, done_reason: 'length', eval_count: 2 })
  })

  it('embeds deterministically on /api/embed and the legacy /api/embeddings', async () => {
    const out = await ollama.embed({ model: 'nomic-embed-text', input: ['one two', 'three'] })
    expect(out.embeddings).toHaveLength(2)
    expect(out.embeddings[0]).toHaveLength(8)
    expect(out.prompt_eval_count).toBe(3)
    const again = await ollama.embed({ model: 'nomic-embed-text', input: 'one two' })
    expect(again.embeddings[0]).toEqual(out.embeddings[0])
    const legacy = await ollama.embeddings({ model: 'nomic-embed-text', prompt: 'one two' })
    expect(legacy.embedding).toEqual(out.embeddings[0])
  })

  it('answers unknown models, bad bodies and unknown paths like Ollama', async () => {
    const unknown = await post('/api/chat', { ...chatBody, model: 'nope' })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ error: 'model "nope" not found, try pulling it first' })
    const bad = await post('/api/generate', '{not json')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toHaveProperty('error')
    expect((await post('/api/chat', '')).status).toBe(400)
    const page = await fetch(`${fake.url}/api/nothing`)
    expect(page.status).toBe(404)
    expect(await page.text()).toBe('404 page not found')
    // routes.go sets HandleMethodNotAllowed: a known path with the wrong method is 405.
    expect((await fetch(`${fake.url}/api/chat`)).status).toBe(405)
  })

  it('pulls with NDJSON progress, then lists, copies and deletes the model', async () => {
    const statuses = []
    for await (const p of await ollama.pull({ model: 'phi3', stream: true }))
      statuses.push(p.status)
    expect(statuses[0]).toBe('pulling manifest')
    expect(statuses.at(-1)).toBe('success')
    expect(statuses).toContain('verifying sha256 digest')
    await ollama.copy({ source: 'phi3', destination: 'phi3-copy' })
    expect((await ollama.list()).models.map((m) => m.name)).toContain('phi3-copy:latest')
    await ollama.delete({ model: 'phi3' })
    const names = (await ollama.list()).models.map((m) => m.name)
    expect(names).not.toContain('phi3:latest')
    await expect(ollama.delete({ model: 'phi3' })).rejects.toMatchObject({ status_code: 404 })
  })

  it('accepts a blob only when its digest matches and records it raw', async () => {
    const data = Buffer.from('GGUF fake weights')
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`
    const blobUrl = `${fake.url}/api/blobs/${digest}`
    expect((await fetch(blobUrl, { method: 'HEAD' })).status).toBe(404)
    expect((await fetch(blobUrl, { method: 'POST', body: 'other' })).status).toBe(400)
    expect((await fetch(blobUrl, { method: 'POST', body: data })).status).toBe(201)
    expect((await fetch(blobUrl, { method: 'HEAD' })).status).toBe(200)
    const rec = await fake.waitFor((r) => r.method === 'POST' && r.finished && r.body !== undefined)
    expect(Buffer.isBuffer(rec.body)).toBe(true)
  })
})

describe('OpenAI-compatible API', () => {
  it('streams a chat completion and ends with a usage chunk when include_usage is set', async () => {
    const stream = await openai.chat.completions.create({
      ...chatBody,
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let finish: string | null = null
    let usage: OpenAI.CompletionUsage | undefined
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      finish = chunk.choices[0]?.finish_reason ?? finish
      usage = chunk.usage ?? usage
    }
    expect(text).toBe('a-tok0 a-tok1 a-tok2 ')
    expect(finish).toBe('stop')
    expect(usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 })
  })

  it('sends SSE chunks and [DONE], with no usage chunk unless asked', async () => {
    const res = await post('/v1/chat/completions', { ...chatBody, stream: true })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const body = await res.text()
    expect(body.endsWith('data: [DONE]\n\n')).toBe(true)
    const chunks = sse(body) as { object: string; choices: unknown[]; system_fingerprint: string }[]
    expect(chunks).toHaveLength(4)
    expect(
      chunks.every((c) => c.object === 'chat.completion.chunk' && c.choices.length === 1),
    ).toBe(true)
    expect(chunks[0]!.system_fingerprint).toBe('fp_ollama')
  })

  it('answers a non-streamed chat completion with usage, capped by max_tokens', async () => {
    const out = await openai.chat.completions.create({ ...chatBody, max_tokens: 1 })
    expect(out.object).toBe('chat.completion')
    expect(out.choices[0]!.message.content).toBe('a-tok0 ')
    expect(out.choices[0]!.finish_reason).toBe('length')
    expect(out.usage).toEqual({ prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 })
  })

  it('streams a text completion', async () => {
    const stream = await openai.completions.create({ model: 'llama3.2', prompt: 'x', stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? ''
    expect(text).toBe('a-tok0 a-tok1 a-tok2 ')
  })

  it('lists and retrieves models, and answers 404 for an unknown one', async () => {
    const list = await openai.models.list()
    expect(list.data.map((m) => m.id)).toContain('qwen2.5:0.5b')
    expect(list.data[0]).toMatchObject({ object: 'model', owned_by: 'library' })
    expect((await openai.models.retrieve('llama3.2:latest')).id).toBe('llama3.2:latest')
    await expect(openai.models.retrieve('nope')).rejects.toMatchObject({ status: 404 })
  })

  it('embeds in float and base64 with the same values as /api/embed', async () => {
    const native = await ollama.embed({ model: 'nomic-embed-text', input: 'one two' })
    const base64 = await openai.embeddings.create({ model: 'nomic-embed-text', input: 'one two' })
    expect(Array.from(base64.data[0]!.embedding)).toEqual(native.embeddings[0])
    const float = await openai.embeddings.create({
      model: 'nomic-embed-text',
      input: ['one two'],
      encoding_format: 'float',
    })
    expect(float.data[0]!.embedding).toEqual(native.embeddings[0])
    expect(float.usage).toEqual({ prompt_tokens: 2, total_tokens: 2 })
  })

  it('speaks the OpenAI error shape on /v1', async () => {
    const res = await post('/v1/chat/completions', { ...chatBody, model: 'nope' })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      error: {
        message: 'model "nope" not found, try pulling it first',
        type: 'not_found_error',
        param: null,
        code: null,
      },
    })
    const bad = await post('/v1/chat/completions', { model: 'llama3.2', messages: [] })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error' } })
  })
})

describe('faults', () => {
  it('answers a status fault for the next N matching requests only', async () => {
    fake.fault({ kind: 'status', status: 503 }, { times: 1, paths: ['/api/chat', '/v1/*'] })
    expect((await fetch(`${fake.url}/api/tags`)).status).toBe(200)
    const faulted = await post('/api/chat', chatBody)
    expect(faulted.status).toBe(503)
    expect(await faulted.json()).toHaveProperty('error')
    expect((await post('/api/chat', chatBody)).status).toBe(200)
    fake.fault({ kind: 'status', status: 500, body: { error: 'boom' } })
    await expect(ollama.list()).rejects.toMatchObject({ status_code: 500, error: 'boom' })
    fake.fault(null)
    expect((await ollama.list()).models).toHaveLength(3)
  })

  it('breaks a stream after N frames without a final frame', async () => {
    fake.options.frames = 5
    fake.fault({ kind: 'break-mid-stream', afterFrames: 2 })
    const parts: unknown[] = []
    const consume = async (): Promise<void> => {
      for await (const part of await ollama.chat({ ...chatBody, stream: true })) parts.push(part)
    }
    await expect(consume()).rejects.toThrow()
    expect(parts).toHaveLength(2)
    const rec = await fake.waitFor(
      (r) => r.path === '/api/chat' && !r.finished && fake.inFlight() === 0,
    )
    expect(rec.aborted).toBe(false)
  })

  it('hangs before headers and records the client leaving as aborted', async () => {
    fake.fault({ kind: 'hang-before-headers' })
    await expect(post('/api/chat', chatBody, AbortSignal.timeout(100))).rejects.toThrow()
    const rec = await fake.waitFor((r) => r.aborted)
    expect(rec.finished).toBe(false)
    expect(fake.inFlight()).toBe(0)
  })

  it('makes the client fail on garbage and on a reset', async () => {
    fake.fault({ kind: 'garbage' }, { times: 1 })
    await expect(fetch(`${fake.url}/api/tags`)).rejects.toThrow()
    fake.fault({ kind: 'reset' }, { times: 1 })
    await expect(request(`${fake.url}/api/tags`)).rejects.toThrow()
    expect((await fetch(`${fake.url}/api/tags`)).status).toBe(200)
    expect(fake.requests.filter((r) => r.aborted)).toEqual([])
  })
})

describe('client aborts, timing and lifecycle', () => {
  it('stops producing frames and records aborted when the client goes away', async () => {
    fake.options.frames = 10_000
    const stream = await ollama.chat({ ...chatBody, stream: true })
    let seen = 0
    const consume = async (): Promise<void> => {
      for await (const _part of stream) if (++seen === 2) stream.abort()
    }
    await expect(consume()).rejects.toThrow(/abort/i)
    const rec = await fake.waitFor((r) => r.aborted)
    expect(rec.finished).toBe(false)
    expect(fake.inFlight()).toBe(0)
    // The frame loop reads frameIntervalMs once per frame: it must stop reading it.
    let reads = 0
    Object.defineProperty(fake.options, 'frameIntervalMs', {
      get: () => (reads++, 1),
      configurable: true,
    })
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(reads).toBeLessThanOrEqual(1)
  })

  it('delays headers by firstByteDelayMs on inference paths only', async () => {
    fake.options.firstByteDelayMs = 300
    let t0 = performance.now()
    const res = await post('/api/chat', chatBody)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290)
    await res.text()
    t0 = performance.now()
    await fetch(`${fake.url}/api/tags`)
    expect(performance.now() - t0).toBeLessThan(250)
  })

  it('stamps every streamed frame with sent_at when stampFrames is on', async () => {
    fake.options.stampFrames = true
    const before = performance.timeOrigin + performance.now()
    const frames = ndjson(await (await post('/api/chat', chatBody)).text())
    const after = performance.timeOrigin + performance.now()
    const stamps = frames.map((f) => f.sent_at as number)
    expect(stamps).toHaveLength(4)
    expect(stamps.every((t) => t >= before && t <= after)).toBe(true)
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps)
    const chunks = sse(
      await (await post('/v1/chat/completions', { ...chatBody, stream: true })).text(),
    )
    expect(chunks.every((c) => typeof (c as { sent_at?: unknown }).sent_at === 'number')).toBe(true)
  })

  it('records each request with its parsed body and resolves waitFor on completion', async () => {
    const pending = fake.waitFor((r) => r.path === '/api/generate' && r.finished)
    await ollama.generate({ model: 'llama3.2', prompt: 'hi' })
    const rec = await pending
    expect(rec).toMatchObject({ method: 'POST', aborted: false, body: { prompt: 'hi' } })
    expect(rec.headers['content-type']).toContain('application/json')
    fake.reset()
    expect(fake.requests).toEqual([])
    await expect(fake.waitFor(() => true, 20)).rejects.toThrow(/waitFor/)
  })

  it('closes without hanging on idle keep-alive sockets', async () => {
    const agent = new Agent({ keepAliveTimeout: 60_000 })
    const res = await request(`${fake.url}/api/tags`, { dispatcher: agent })
    await res.body.text()
    const t0 = performance.now()
    await fake.close()
    expect(performance.now() - t0).toBeLessThan(500)
    await agent.close()
  })

  it('kill() drops open streams at once, like a backend dying', async () => {
    fake.options.frames = 10_000
    const res = await post('/api/chat', chatBody)
    const reader = res.body!.getReader()
    await reader.read()
    await fake.kill()
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return
      })(),
    ).rejects.toThrow()
    await expect(fetch(`${fake.url}/api/tags`)).rejects.toThrow()
    expect(fake.requests[0]).toMatchObject({ aborted: false, finished: false })
  })
})
