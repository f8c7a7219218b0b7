// A body the gateway rewrites (a key's options, an output cap, stream_options) keeps what it
// did not change exactly as the client wrote it: integers beyond 2^53 (a 64-bit seed) are
// not rounded by JSON.parse on the way to Ollama.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
let capped: string

beforeAll(async () => {
  gw = await startTestGateway()
  capped = (
    await gw.newKey({
      name: 'capped',
      options: { temperature: 0.2 },
      limits: { maxOutputTokens: 50 },
    })
  ).key
})
afterAll(() => gw.close())

const BIG = '12345678901234567890'

async function send(path: string, body: string): Promise<string> {
  const res = await request(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${capped}`, 'content-type': 'application/json' },
    body,
  })
  expect(res.statusCode).toBe(200)
  await res.body.dump()
  const seen = gw.fakes[0]!.requests.filter((r) => r.path === path).at(-1)!
  return seen.rawBody!.toString('utf8')
}

test('a 64-bit seed in options survives the key’s defaults and the output cap on /api/chat', async () => {
  const sent = await send(
    '/api/chat',
    `{"model":"llama3.2","messages":[{"role":"user","content":"hi"}],"stream":false,"options":{"seed":${BIG},"num_predict":500},"format":{"n":${BIG}0}}`,
  )
  expect(sent).toContain(`"seed":${BIG}`)
  expect(sent).toContain(`"n":${BIG}0`)
  const body = JSON.parse(sent) as { options: Record<string, unknown> }
  expect(body.options).toMatchObject({ num_predict: 50, temperature: 0.2 })
})

test('a 64-bit seed survives on /v1/chat/completions, where stream_options is added', async () => {
  const sent = await send(
    '/v1/chat/completions',
    `{"model":"llama3.2","messages":[{"role":"user","content":"hi"}],"seed":${BIG},"stream":true}`,
  )
  expect(sent).toContain(`"seed":${BIG}`)
  expect(JSON.parse(sent)).toMatchObject({
    max_tokens: 50,
    temperature: 0.2,
    stream_options: { include_usage: true },
  })
})

test('the splice keeps strings with quotes, braces and escapes, spacing and repeated names right', async () => {
  const { rewriteBody, snapshotBody } = await import('../../gateway/proxy/body-rewrite.js')
  const text = ` { "a" : "x\\"}{[\\\\" , "n":${BIG} ,"options": { "s" : [1,{"b":"]}"}], "seed" :${BIG} },"a":"last" } `
  const body = JSON.parse(text) as Record<string, unknown>
  const before = snapshotBody(body)
  ;(body.options as Record<string, unknown>).num_predict = 5
  body.stream_options = { include_usage: true }
  const out = rewriteBody(Buffer.from(text), before, body).toString()
  expect(JSON.parse(out)).toEqual(body)
  expect(out).toContain(`"n":${BIG}`)
  expect(out).toContain(`"seed":${BIG}`)
  expect(out).toContain('"num_predict":5')
})
