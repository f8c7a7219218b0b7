// Long conversations (Aider's repository map, a day of Open WebUI chat, pasted files in any
// language) make request bodies of 100 KB and more. The gateway reads only what it checks of
// them (lazy-json/): here, through real clients, they must reach Ollama as they were sent, be
// checked as small bodies are, be rewritten where a key says so, and be refused, in the
// client's dialect, when they are broken.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
let plain: string
let capped: string
let llamaOnly: string

beforeAll(async () => {
  gw = await startTestGateway()
  plain = (await gw.newKey({ name: 'plain' })).key
  capped = (
    await gw.newKey({ name: 'capped', options: { num_ctx: 8192 }, limits: { maxOutputTokens: 50 } })
  ).key
  llamaOnly = (await gw.newKey({ name: 'llama-only', models: ['llama3.2'] })).key
})
afterAll(() => gw.close())

/** A conversation of about `kb` KB: code, prose, accents, CJK, emoji and escapes. */
function conversation(kb: number) {
  const turn = 'Voilà le code:\n```ts\nconst s = "naïve \\"quote\\"";\n```\n中文 😀 → done.\t'
  const messages: { role: string; content: string }[] = []
  while (JSON.stringify(messages).length < kb * 1024) {
    messages.push({
      role: messages.length % 2 ? 'assistant' : 'user',
      content: turn.repeat(20) + messages.length,
    })
  }
  return messages
}

const lastSeen = (path: string) => gw.fakes[0]!.requests.filter((r) => r.path === path).at(-1)!

test('the ollama client: a 200 KB chat reaches Ollama byte for byte', async () => {
  const messages = conversation(200)
  const client = new Ollama({ host: gw.url, headers: { Authorization: `Bearer ${plain}` } })
  const res = await client.chat({ model: 'llama3.2', messages, stream: false })
  expect(res.message.content.length).toBeGreaterThan(0)
  const seen = lastSeen('/api/chat')
  expect(JSON.parse(seen.rawBody!.toString('utf8')).messages).toEqual(messages)
})

test('a key’s options and output cap are written into a 200 KB body; the rest is copied', async () => {
  const messages = conversation(200)
  const text = JSON.stringify({
    model: 'llama3.2',
    messages,
    stream: false,
    options: { seed: 1 },
  }).replace('"seed":1', '"seed":12345678901234567890') // beyond 2^53: JSON.parse rounds it
  const res = await request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${capped}`, 'content-type': 'application/json' },
    body: text,
  })
  expect(res.statusCode).toBe(200)
  await res.body.dump()
  const sent = lastSeen('/api/chat').rawBody!.toString('utf8')
  const original = text.slice(text.indexOf('"messages"'), text.indexOf(',"stream"'))
  expect(sent).toContain(original)
  expect(sent).toContain('"seed":12345678901234567890')
  expect(JSON.parse(sent).options).toMatchObject({ num_ctx: 8192, num_predict: 50 })
})

test('the OpenAI SDK: a 200 KB chat is checked against the key’s models like a small one', async () => {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: llamaOnly, maxRetries: 0 })
  const messages = conversation(200) as OpenAI.ChatCompletionMessageParam[]
  // The model is written after the messages here, where a reader that stopped early would miss it.
  const err = await client.chat.completions
    .create({ messages, model: 'qwen2.5:7b' })
    .catch((e: unknown) => e)
  expect(err).toBeInstanceOf(OpenAI.APIError)
  expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(403)
  expect((err as InstanceType<typeof OpenAI.APIError>).message).toMatch(
    /may not use model "qwen2.5:7b"/,
  )
  const ok = await client.chat.completions.create({ messages, model: 'llama3.2' })
  expect(ok.choices[0]!.message.content).toBeTruthy()
})

test('a 200 KB body with a second spelling of "model" is refused, as a small one is', async () => {
  const messages = conversation(200)
  const text = JSON.stringify({ model: 'llama3.2', messages }).replace(
    /}$/,
    ',"MODEL":"qwen2.5:7b"}',
  )
  const res = await request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${llamaOnly}`, 'content-type': 'application/json' },
    body: text,
  })
  expect(res.statusCode).toBe(400)
  expect(((await res.body.json()) as { error: string }).error).toMatch(
    /clashes with another spelling/,
  )
})

test.each([
  ['cut short', (t: string) => t.slice(0, -2)],
  ['a raw control character in a message', (t: string) => t.replace('Voilà', 'Voi\u0001là')],
  ['a trailing comma', (t: string) => t.replace(/}$/, ',}')],
])(
  'a 200 KB body %s: 400 in the Ollama and the OpenAI dialects, nothing forwarded',
  async (_n, breakIt) => {
    const text = breakIt(JSON.stringify({ model: 'llama3.2', messages: conversation(200) }))
    const before = gw.fakes[0]!.requests.length
    const ollama = await request(`${gw.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${plain}`, 'content-type': 'application/json' },
      body: text,
    })
    expect(ollama.statusCode).toBe(400)
    expect(await ollama.body.json()).toEqual({ error: expect.stringMatching(/JSON/i) })
    const openai = await request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${plain}`, 'content-type': 'application/json' },
      body: text,
    })
    expect(openai.statusCode).toBe(400)
    expect(await openai.body.json()).toMatchObject({
      error: { message: expect.stringMatching(/JSON/i) },
    })
    expect(gw.fakes[0]!.requests.length).toBe(before)
  },
)
