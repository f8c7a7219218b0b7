// Token counts of streams whose client did not ask for them: the OpenAI SDK streaming
// without stream_options.include_usage, and the Responses API's final event (Ollama writes
// its keys sorted, `type` last). Limits and stats depend on these numbers.
import { afterAll, beforeAll, expect, test } from 'vitest'
import OpenAI from 'openai'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway

interface Row {
  label: string
  requests: number
  promptTokens: number
  completionTokens: number
}

beforeAll(async () => {
  gw = await startTestGateway({ backends: [{ frames: 4, frameIntervalMs: 1 }] })
})
afterAll(() => gw.close())

/** The key's row once its one request is recorded, checked against `expected`. */
async function expectStats(name: string, expected: Partial<Row>): Promise<void> {
  await eventually(async () => {
    const { body } = await gw.control<{ breakdown: Row[] }>(
      'GET',
      '/control/stats/summary?since=1h&by=key',
    )
    expect(body.breakdown.find((r) => r.label === name)).toMatchObject(expected)
  })
}

/** Every chunk an OpenAI SDK stream yields, from `baseURL` with `apiKey`. */
async function chatChunks(
  baseURL: string,
  apiKey: string,
  includeUsage: boolean,
): Promise<OpenAI.Chat.Completions.ChatCompletionChunk[]> {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 })
  const stream = await client.chat.completions.create({
    model: 'llama3.2',
    messages: [{ role: 'user', content: 'one two three' }],
    stream: true,
    ...(includeUsage ? { stream_options: { include_usage: true } } : {}),
  })
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
  for await (const c of stream) chunks.push(c)
  return chunks
}

test('an OpenAI SDK stream without include_usage counts its prompt, and the client sees no usage chunk', async () => {
  const carol = await gw.newKey({ name: 'carol' })
  const through = await chatChunks(`${gw.url}/v1`, carol.key, false)
  // The same request straight to the stand-in: what the client would see without Corral.
  const direct = await chatChunks(`${gw.fakes[0]!.url}/v1`, 'x', false)
  expect(through.map((c) => c.choices.length)).toEqual(direct.map((c) => c.choices.length))
  expect(through.some((c) => c.usage != null || c.choices.length === 0)).toBe(false)
  // "one two three": 3 prompt tokens (the stand-in counts words), 4 generated frames.
  await expectStats('carol', { requests: 1, promptTokens: 3, completionTokens: 4 })
})

test('a client that asked for the usage still gets its usage chunk, once', async () => {
  const dave = await gw.newKey({ name: 'dave' })
  const chunks = await chatChunks(`${gw.url}/v1`, dave.key, true)
  const usage = chunks.filter((c) => c.usage != null)
  expect(usage).toHaveLength(1)
  expect(usage[0]!.choices).toEqual([])
  expect(usage[0]!.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 })
  await expectStats('dave', { promptTokens: 3, completionTokens: 4 })
})

test('a streamed /v1/completions without include_usage counts its prompt too', async () => {
  const erin = await gw.newKey({ name: 'erin' })
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: erin.key, maxRetries: 0 })
  const stream = await client.completions.create({
    model: 'llama3.2',
    prompt: 'one two',
    stream: true,
  })
  const chunks: OpenAI.Completions.Completion[] = []
  for await (const c of stream) chunks.push(c)
  expect(chunks.some((c) => c.usage != null || c.choices.length === 0)).toBe(false)
  await expectStats('erin', { promptTokens: 2, completionTokens: 4 })
})

test('a /v1/responses stream records the usage of its final response.completed event', async () => {
  const frank = await gw.newKey({ name: 'frank' })
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: frank.key, maxRetries: 0 })
  const stream = await client.responses.create({
    model: 'llama3.2',
    input: 'one two three four five',
    stream: true,
  })
  let completed: OpenAI.Responses.Response | null = null
  for await (const event of stream) {
    if (event.type === 'response.completed') completed = event.response
  }
  expect(completed?.usage).toMatchObject({ input_tokens: 5, output_tokens: 4 })
  await expectStats('frank', { promptTokens: 5, completionTokens: 4 })
})

test('the usage chunk is taken out however the stream is split into reads', async () => {
  const { createUsageChunkFilter } = await import('../../gateway/proxy/stream-usage.js')
  const keep = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n'
  const finish = 'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
  const usage = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":3}}\n\n'
  const wire = Buffer.from(keep + finish + usage + 'data: [DONE]\n\n')
  for (let cut = 0; cut <= wire.length; cut++) {
    const filter = createUsageChunkFilter()
    const out = Buffer.concat([
      filter.push(wire.subarray(0, cut)),
      filter.push(wire.subarray(cut)),
      filter.end(),
    ]).toString()
    expect(out, `cut at ${cut}`).toBe(keep + finish + 'data: [DONE]\n\n')
  }
})
