// Every proxied request goes through one pipeline (proxy/pipeline.ts). A fixed route in
// origin form is matched by the pipeline's own table; the same request in absolute form
// (`POST http://host/api/show`), or a route with a path parameter, is matched by Fastify's
// router and handed to the same pipeline. Either way the answers are the same, one rate
// window counts them and they are recorded alike.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { rawExchange } from '../support/raw-http.js'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
let port: number

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.server.basePath = '/ollama') })
  port = Number(new URL(gw.url).port)
})
afterAll(() => gw.close())

interface Answer {
  status: number
  headers: Map<string, string>
  body: unknown
}

/** One request over a raw socket, in origin form or absolute form. */
async function send(
  form: 'origin' | 'absolute',
  method: string,
  path: string,
  opts: { key?: string | null; body?: unknown } = {},
): Promise<Answer> {
  const target = form === 'origin' ? path : `http://127.0.0.1:${port}${path}`
  const body = opts.body === undefined ? '' : JSON.stringify(opts.body)
  const key = opts.key === undefined ? gw.key : opts.key
  const head = [
    `${method} ${target} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    ...(key ? [`Authorization: Bearer ${key}`] : []),
    ...(body
      ? ['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`]
      : []),
    'Connection: close',
  ]
  const res = await rawExchange(port, head.join('\r\n') + '\r\n\r\n' + body, { timeoutMs: 5000 })
  const [rawHead = '', ...rest] = res.text.split('\r\n\r\n')
  const lines = rawHead.split('\r\n')
  const headers = new Map<string, string>()
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':')
    headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim())
  }
  let text = rest.join('\r\n\r\n')
  if (headers.get('transfer-encoding') === 'chunked') text = dechunk(text)
  return { status: Number(lines[0]!.split(' ')[1]), headers, body: text ? JSON.parse(text) : null }
}

function dechunk(text: string): string {
  let out = ''
  for (let i = 0; ;) {
    const eol = text.indexOf('\r\n', i)
    const size = parseInt(text.slice(i, eol), 16)
    if (!size) return out
    out += text.slice(eol + 2, eol + 2 + size)
    i = eol + 2 + size + 2
  }
}

const FORMS = ['origin', 'absolute'] as const

describe("origin form (the pipeline's table) and absolute form (Fastify's router) answer alike", () => {
  test.each(FORMS)('%s: a proxied request, under the base path too', async (form) => {
    for (const path of ['/api/show', '/ollama/api/show']) {
      const res = await send(form, 'POST', path, { body: { model: 'llama3.2' } })
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ details: expect.any(Object) })
    }
  })

  test.each(FORMS)('%s: the merged model list', async (form) => {
    const res = await send(form, 'GET', '/api/tags')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect((res.body as { models: unknown[] }).models.length).toBeGreaterThan(0)
  })

  test('the same refusals, in the same dialect, with the same headers', async () => {
    const cases: Array<[string, string, { key?: string | null; body?: unknown }]> = [
      ['POST', '/v1/chat/completions', { key: null, body: { model: 'llama3.2', messages: [] } }],
      ['POST', '/api/chat', { key: 'crl_' + 'x'.repeat(43), body: { model: 'llama3.2' } }],
      ['POST', '/api/generate', { body: { prompt: 'no model' } }],
      ['POST', '/api/generate', { body: { model: 'no-such-model', prompt: 'hi' } }],
      ['POST', '/v1/embeddings', { body: [1, 2] }],
    ]
    for (const [method, path, opts] of cases) {
      const fast = await send('origin', method, path, opts)
      const routed = await send('absolute', method, path, opts)
      expect(fast.status, path).toBeGreaterThanOrEqual(400)
      expect(fast.status, path).toBe(routed.status)
      expect(fast.body, path).toEqual(routed.body)
      expect(fast.headers.get('content-type'), path).toBe(routed.headers.get('content-type'))
    }
  })
})

test('both ways, and a route with a path parameter, count against one rate window and carry the RateLimit headers', async () => {
  const { key } = await gw.newKey({ name: 'limited', limits: { requests: 4, windowSeconds: 60 } })
  const body = { model: 'llama3.2' }
  const a = await send('origin', 'POST', '/api/show', { key, body })
  const b = await send('absolute', 'POST', '/api/show', { key, body })
  const c = await send('origin', 'GET', '/v1/models/llama3.2', { key })
  const d = await send('origin', 'POST', '/api/show', { key, body })
  expect([a.status, b.status, c.status, d.status]).toEqual([200, 200, 200, 200])
  expect([a, b, c, d].map((r) => r.headers.get('ratelimit-remaining'))).toEqual([
    '3',
    '2',
    '1',
    '0',
  ])
  for (const form of FORMS) {
    const over = await send(form, 'POST', '/api/show', { key, body })
    expect(over.status).toBe(429)
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(over.body).toMatchObject({ error: expect.stringContaining('rate limit exceeded') })
  }
})

test('requests either way are recorded with the same endpoint, key and outcome', async () => {
  const { key, id } = await gw.newKey({ name: 'recorded' })
  await send('origin', 'POST', '/api/show', { key, body: { model: 'llama3.2' } })
  await send('absolute', 'POST', '/api/show', { key, body: { model: 'llama3.2' } })
  await send('origin', 'POST', '/api/show', { key, body: { model: 'not-here' } })
  const recent = await gw.control<Array<Record<string, unknown>>>(
    'GET',
    `/control/stats/recent?limit=10&key=${id}`,
  )
  const rows = recent.body.map((r) => [r.path, r.status, r.outcome, r.keyName, r.model])
  expect(rows).toEqual([
    ['/api/show', 404, 'refused', 'recorded', 'not-here'],
    ['/api/show', 200, 'done', 'recorded', 'llama3.2'],
    ['/api/show', 200, 'done', 'recorded', 'llama3.2'],
  ])
})
