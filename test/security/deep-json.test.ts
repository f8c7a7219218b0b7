// Issue 25: deeply nested JSON got a 500 (a stack overflow) instead of a 400. A body that
// nests deeper than Corral reads (MAX_JSON_DEPTH) is refused with a clear 400 in the
// client's dialect, on the Ollama API, the OpenAI API and the control API, and the gateway
// keeps serving.
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { MAX_JSON_DEPTH, jsonTooDeep } from '../../gateway/untrusted/json-depth.js'

let gw: TestGateway
let capped: string
let controlUrl: string

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.balancer.healthIntervalMs = 600_000) })
  // A key whose output cap makes the gateway rewrite (re-serialise) the body.
  capped = (await gw.newKey({ name: 'capped', limits: { maxOutputTokens: 10 } })).key
  controlUrl = `http://127.0.0.1:${(gw.running.control.server.address() as AddressInfo).port}`
})
afterAll(() => gw.close())

const DEEP = 100_000
const nested = (open: string, close: string, depth = DEEP) =>
  open.repeat(depth) + close.repeat(depth)

async function post(url: string, body: string, auth: string) {
  const res = await request(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
    body,
  })
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> }
}

describe('100,000 nested arrays get a 400 in the client dialect', () => {
  test.each([
    ['/api/chat (Ollama)', '/api/chat', 'ollama'],
    ['/api/generate (Ollama)', '/api/generate', 'ollama'],
    ['/v1/chat/completions (OpenAI)', '/v1/chat/completions', 'openai'],
  ])('%s', async (_name, path, dialect) => {
    for (const key of [gw.key, capped]) {
      const body = `{"model":"llama3.2","stream":false,"messages":${nested('[', ']')},"prompt":"x"}`
      const res = await post(gw.url + path, body, key)
      expect(res.status).toBe(400)
      const message =
        dialect === 'ollama'
          ? (res.body.error as string)
          : (res.body.error as { message: string; type: string }).message
      expect(message).toContain(`${MAX_JSON_DEPTH}`)
      if (dialect === 'openai')
        expect(res.body.error).toMatchObject({ type: 'invalid_request_error' })
    }
  })

  test('nested objects too', async () => {
    const body = `{"model":"llama3.2","options":${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}}`
    expect((await post(gw.url + '/api/chat', body, capped)).status).toBe(400)
  })

  test('a control route answers 400 too', async () => {
    const res = await post(
      `${controlUrl}/control/keys`,
      `{"name":"deep","models":${nested('[', ']')}}`,
      gw.running.token,
    )
    expect(res.status).toBe(400)
    expect(JSON.stringify(res.body)).toContain(`${MAX_JSON_DEPTH}`)
  })

  test('nesting within the bound still goes through, and the gateway still serves', async () => {
    const ok = `{"model":"llama3.2","stream":false,"messages":[],"format":${nested('[', ']', 50)}}`
    expect((await post(gw.url + '/api/chat', ok, capped)).status).toBe(200)
  })
})

test('brackets inside strings (and escaped quotes) do not count as nesting', () => {
  const text = JSON.stringify({ prompt: '['.repeat(5000) + '\\"' + '{'.repeat(5000) })
  expect(jsonTooDeep(text)).toBe(false)
  expect(jsonTooDeep(nested('[', ']', MAX_JSON_DEPTH))).toBe(false)
  expect(jsonTooDeep(nested('[', ']', MAX_JSON_DEPTH + 1))).toBe(true)
})
