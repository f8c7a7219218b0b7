// The real `ollama` and `openai` npm clients, pointed at the gateway, work
// exactly as they do against Ollama itself.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
let ollama: Ollama
let openai: OpenAI

beforeAll(async () => {
  gw = await startTestGateway({ backends: [{ frames: 4, frameIntervalMs: 5 }] })
  ollama = new Ollama({ host: gw.url, headers: { Authorization: `Bearer ${gw.key}` } })
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
})
afterAll(() => gw.close())

describe('the ollama client', () => {
  test('lists the models of the backend', async () => {
    const { models } = await ollama.list()
    expect(models.map((m) => m.name)).toEqual([
      'llama3.2:latest',
      'qwen2.5:0.5b',
      'nomic-embed-text:latest',
    ])
  })

  test('streams a chat frame by frame and ends with the counts', async () => {
    const stream = await ollama.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'why is the sky blue' }],
      stream: true,
    })
    const parts: string[] = []
    let last
    for await (const part of stream) {
      parts.push(part.message.content)
      last = part
    }
    expect(parts.join('')).toBe('b0-tok0 b0-tok1 b0-tok2 b0-tok3 ')
    expect(last?.done).toBe(true)
    expect(last?.eval_count).toBe(4)
    expect(last?.prompt_eval_count).toBe(5)
  })

  test('generates with stream:false in one answer', async () => {
    const res = await ollama.generate({
      model: 'qwen2.5:0.5b',
      prompt: 'hello there',
      stream: false,
    })
    expect(res.response).toBe('b0-tok0 b0-tok1 b0-tok2 b0-tok3 ')
    expect(res.done).toBe(true)
  })

  test('embeds', async () => {
    const res = await ollama.embed({ model: 'nomic-embed-text', input: ['a', 'b'] })
    expect(res.embeddings).toHaveLength(2)
    expect(res.embeddings[0]!.length).toBeGreaterThan(0)
  })

  test('shows a model and reports the version', async () => {
    const show = await ollama.show({ model: 'llama3.2' })
    expect(show.details.family).toBe('llama')
    const ps = await ollama.ps()
    expect(Array.isArray(ps.models)).toBe(true)
  })

  test('gets an Ollama-style error for a model nobody has', async () => {
    await expect(ollama.chat({ model: 'nope:1b', messages: [] })).rejects.toThrow(
      /model "nope:1b" not found/,
    )
  })
})

describe('the openai client', () => {
  test('streams chat completions', async () => {
    const stream = await openai.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    let text = ''
    let usage
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('b0-tok0 b0-tok1 b0-tok2 b0-tok3 ')
    expect(usage?.completion_tokens).toBe(4)
  })

  test('answers a chat completion without streaming', async () => {
    const res = await openai.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(res.choices[0]?.message.content).toBe('b0-tok0 b0-tok1 b0-tok2 b0-tok3 ')
    expect(res.usage?.total_tokens).toBeGreaterThan(0)
  })

  test('lists models and embeds', async () => {
    const models = await openai.models.list()
    expect(models.data.map((m) => m.id)).toContain('llama3.2:latest')
    const emb = await openai.embeddings.create({ model: 'nomic-embed-text', input: 'hello' })
    expect(emb.data[0]!.embedding.length).toBeGreaterThan(0)
  })

  test('gets an OpenAI-style 401 for a wrong key', async () => {
    const bad = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'crl_wrong', maxRetries: 0 })
    const err = await bad.models.list().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError)
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).error).toMatchObject({
      message: 'invalid API key',
      type: 'invalid_request_error',
    })
  })
})
