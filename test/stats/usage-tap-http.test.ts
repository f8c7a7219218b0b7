import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'
import {
  createUsageTap,
  dialectForPath,
  isStreamingContentType,
} from '../../gateway/stats/usage-tap.js'

let ollama: FakeOllama

beforeAll(async () => {
  ollama = await startFakeOllama({ frames: 12, frameIntervalMs: 1 })
})
afterAll(async () => {
  await ollama.close()
})

/** Sends a request and feeds the response to a tap chunk by chunk, as the proxy would. */
async function tapped(path: string, body: unknown) {
  const res = await fetch(`${ollama.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const streaming = isStreamingContentType(res.headers.get('content-type') ?? undefined)
  const tap = createUsageTap(dialectForPath(path), { streaming })
  const chunks: Uint8Array[] = []
  for await (const chunk of res.body!) {
    tap.push(chunk)
    chunks.push(chunk)
  }
  return { usage: tap.end(), text: Buffer.concat(chunks).toString('utf8'), streaming }
}

/** The slow, obvious reading: parse every frame. */
function oracle(text: string, sse: boolean) {
  const frames = sse
    ? text
        .split('\n')
        .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
        .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>)
    : text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
  return frames
}

describe('usage tap against the Ollama stand-in over HTTP', () => {
  it('reads an /api/chat stream like a full parse of every frame', async () => {
    const { usage, text, streaming } = await tapped('/api/chat', {
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'one two three four' }],
    })
    expect(streaming).toBe(true)
    const frames = oracle(text, false)
    const final = frames.at(-1)!
    expect(usage).toMatchObject({
      promptTokens: final.prompt_eval_count,
      completionTokens: final.eval_count,
      contentChunks: frames.length - 1,
      done: true,
      estimated: false,
    })
  })

  it('reads a /v1/chat/completions stream with include_usage', async () => {
    const { usage, text } = await tapped('/v1/chat/completions', {
      model: 'llama3.2',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'one two three' }],
    })
    const withUsage = oracle(text, true).filter((f) => f.usage)
    const reported = withUsage.at(-1)!.usage as Record<string, number>
    expect(usage).toMatchObject({
      promptTokens: reported.prompt_tokens,
      completionTokens: reported.completion_tokens,
      contentChunks: 12,
      done: true,
      estimated: false,
    })
  })

  it('counts the content chunks of a /v1 stream that reports no usage', async () => {
    const { usage } = await tapped('/v1/chat/completions', {
      model: 'llama3.2',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(usage).toMatchObject({
      promptTokens: null,
      completionTokens: 12,
      estimated: true,
      done: true,
    })
  })

  it('reads non-streaming answers and embeddings once at the end', async () => {
    const generate = await tapped('/api/generate', {
      model: 'llama3.2',
      prompt: 'a b c',
      stream: false,
    })
    const body = JSON.parse(generate.text) as Record<string, number>
    expect(generate.streaming).toBe(false)
    expect(generate.usage).toMatchObject({
      promptTokens: body.prompt_eval_count,
      completionTokens: body.eval_count,
      done: true,
    })

    const embed = await tapped('/api/embed', { model: 'nomic-embed-text', input: ['a b', 'c'] })
    const embedBody = JSON.parse(embed.text) as Record<string, number>
    expect(embed.usage).toMatchObject({ promptTokens: embedBody.prompt_eval_count, done: true })

    const v1 = await tapped('/v1/embeddings', { model: 'nomic-embed-text', input: 'a b c' })
    const v1Body = JSON.parse(v1.text) as { usage: Record<string, number> }
    expect(v1.usage).toMatchObject({ promptTokens: v1Body.usage.prompt_tokens, done: true })
  })

  it('reports the error of an answer that is an error', async () => {
    const { usage } = await tapped('/api/chat', {
      model: 'no-such-model',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(usage.error).toMatch(/not found/)
    expect(usage.done).toBe(false)
  })
})
