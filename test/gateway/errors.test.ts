// Bad input gets a clear error in the client's dialect and changes nothing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Readable } from 'node:stream'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.server.bodyLimitBytes = 64 * 1024) })
})
afterAll(() => gw.close())

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await request(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: gw.key, 'content-type': 'application/json', ...headers },
    body,
  })
  return { status: res.statusCode, body: (await res.body.json()) as unknown }
}

describe('a body over the limit gets 413 in the dialect of the path', () => {
  const big = JSON.stringify({ model: 'llama3.2', prompt: 'x'.repeat(70 * 1024) })
  test('Ollama path', async () => {
    const res = await post('/api/generate', big)
    expect(res.status).toBe(413)
    expect(res.body).toEqual({ error: 'request body is too large (limit 65536 bytes)' })
  })
  test('OpenAI path', async () => {
    const res = await post('/v1/completions', big)
    expect(res.status).toBe(413)
    expect(res.body).toMatchObject({
      error: { type: 'invalid_request_error', code: 'corral_err_too_large' },
    })
  })
  test('a chunked body without a length is cut at the limit too', async () => {
    const res = await request(`${gw.url}/api/generate`, {
      method: 'POST',
      headers: { authorization: gw.key },
      body: Readable.from(
        (function* () {
          for (let i = 0; i < 100; i++) yield Buffer.alloc(1024, 0x61)
        })(),
      ),
    })
    expect(res.statusCode).toBe(413)
    await res.body.dump()
  })
})

test.each([
  ['/api/chat', '{"model":', { error: 'request body is not valid JSON' }],
  ['/api/chat', '[1,2]', { error: 'request body must be a JSON object' }],
  ['/api/chat', '{"messages":[]}', { error: 'model is required' }],
  ['/api/generate', '', { error: 'request body is empty' }],
])('POST %s with %j is a 400 that never reaches a backend', async (path, body, expected) => {
  gw.fakes[0]!.reset()
  const res = await post(path, body)
  expect(res.status).toBe(400)
  expect(res.body).toEqual(expected)
  // (Health checks may reach the backend meanwhile; the request itself must not.)
  expect(gw.fakes[0]!.requests.filter((r) => r.method === 'POST')).toEqual([])
})

test('a compressed request body is refused, not passed around the model check', async () => {
  const res = await post('/api/chat', Buffer.from([0x1f, 0x8b, 0x08]), {
    'content-encoding': 'gzip',
  })
  expect(res.status).toBe(415)
})

test('a backend error reaches the client as the backend said it', async () => {
  gw.fakes[0]!.fault(
    { kind: 'status', status: 500, body: { error: 'out of memory' } },
    { times: 1 },
  )
  const res = await post('/api/chat', JSON.stringify({ model: 'llama3.2', messages: [] }))
  expect(res).toEqual({ status: 500, body: { error: 'out of memory' } })
})

test('a backend that answers garbage is a 502 in the dialect of the path', async () => {
  gw.fakes[0]!.fault({ kind: 'garbage' }, { times: 2 })
  const res = await post(
    '/v1/chat/completions',
    JSON.stringify({ model: 'llama3.2', messages: [] }),
  )
  expect(res.status).toBe(502)
  expect(res.body).toMatchObject({ error: { type: 'server_error' } })
})
