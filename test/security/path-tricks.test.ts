// Path tricks: whatever spelling a client uses, the route the scope check saw
// and the path the backend receives are the same one, and a malformed
// percent-encoding is a 400 in the client's dialect, never a 500.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { rawExchange } from '../support/raw-http.js'
import { ROUTES } from '../../gateway/proxy/routes.js'

let gw: TestGateway
let port: number
let modelsKey: string
let probe = 0

beforeAll(async () => {
  gw = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.basePath = '/ollama'
    },
  })
  port = Number(new URL(gw.url).port)
  modelsKey = (await gw.newKey({ name: 'admin-ish', scopes: ['inference', 'models'] })).key
})
afterAll(() => gw.close())

interface Sent {
  status: number
  body: string
  /** Paths (with query) the backend received for this request. */
  upstream: string[]
  location: string | null
}

async function send(method: string, target: string, key: string): Promise<Sent> {
  const id = `path-${++probe}`
  const body =
    method === 'POST' || method === 'DELETE'
      ? JSON.stringify({ model: 'llama3.2', stream: false })
      : ''
  const res = await rawExchange(
    port,
    `${method} ${target} HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${key}\r\nX-Probe: ${id}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    { timeoutMs: 5000 },
  )
  const upstream = gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id).map(
    (r) => r.url,
  )
  return {
    status: res.statuses[0] ?? 0,
    body: res.text.slice(res.text.indexOf('\r\n\r\n') + 4),
    upstream,
    location: /\r\nlocation: ([^\r]*)/i.exec(res.text)?.[1] ?? null,
  }
}

/** The scope a backend path needs according to the route table. */
function scopeOfUpstream(path: string): string | undefined {
  const p = path.split('?')[0]!
  const route = ROUTES.find((r) =>
    r.path.includes('/:') ? p.startsWith(r.path.slice(0, r.path.indexOf('/:') + 1)) : r.path === p,
  )
  return route?.scope
}

// Spellings of the models-scope path /api/pull (and friends) that must not slip
// past the scope check, and must not be forwarded as anything else.
const PULL_TRICKS = [
  '//api/pull',
  '/api//pull',
  '/api/%2e%2e/pull',
  '/api/%2E%2E/api/pull',
  '/api/%252e%252e/pull',
  '/api%2fpull',
  '/api%2Fpull',
  '/api%5cpull',
  '/api\\pull',
  '/API/PULL',
  '/Api/pull',
  '/api/pull.',
  '/api/pull..',
  '/api/pull/',
  '/api/pull/.',
  '/api/pull;x',
  '/api/./pull',
  '/./api/pull',
  '/v1/../api/pull',
  '/v1/%2e%2e/api/pull',
  '/api/pull%00',
  '/api/pull%23x',
  '/api/pull%3fx',
  '/api/pul%6c',
  '/%61pi/pull',
  '/api/pull?x=1',
  '/ollama/api/pull',
  '/ollama//api/pull',
  '/ollama/../api/pull',
  '/ollama/%2e%2e/api/pull',
  '/ollamax/api/pull',
  'http://gateway/api/pull',
  'http://gateway//api/pull',
  '/api/blobs/..%2f..%2fapi%2fpull',
  '/api/blobs/sha256:' + 'a'.repeat(64) + '%2f..%2f..%2fpull',
]

const BAD_ENCODINGS = [
  '/api/%',
  '/api/pull%',
  '/%',
  '/api/pull%zz',
  '/api/pull%2',
  '/v1/models/%',
  '/v1/chat/completions%',
  '/ollama/api/%',
]

describe('an inference key never reaches a models-scope path, however it is spelled', () => {
  test.each(PULL_TRICKS)('POST %s', async (target) => {
    const res = await send('POST', target, gw.key)
    expect(res.upstream).toEqual([])
    // A trailing slash is redirected as Ollama's router does, to the route's own path,
    // where the scope check answers (route-miss.ts).
    if (res.status === 307) return expect(res.location).toMatch(/^(\/ollama)?\/api\/pull$/)
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
  })
})

describe('with a key that may pull, the forwarded path is the route the scope check matched', () => {
  test.each(PULL_TRICKS)('POST %s', async (target) => {
    const res = await send('POST', target, modelsKey)
    expect(res.status).toBeLessThan(500)
    if (res.upstream.length === 0) return
    expect(res.upstream).toHaveLength(1)
    // Only an exact spelling of the route (percent-decoded unreserved letters, a
    // query, the base path) is served; the backend gets the canonical path.
    expect(res.upstream[0]!.split('?')[0]).toBe('/api/pull')
    expect(scopeOfUpstream(res.upstream[0]!)).toBe('models')
  })
})

describe('inference paths are forwarded as the canonical route path and nothing else', () => {
  test.each([
    ['POST', '/api/chat', '/api/chat'],
    ['POST', '/api/ch%61t', '/api/chat'],
    ['POST', '/ollama/api/chat', '/api/chat'],
    ['POST', '/api/chat?keep=1', '/api/chat?keep=1'],
    ['GET', '/v1/models/llama3.2', '/v1/models/llama3.2'],
    ['GET', '/v1/models/llama3.2%3Alatest', '/v1/models/llama3.2%3Alatest'],
    ['GET', '/v1/models/qwen2.5%3a0.5b', '/v1/models/qwen2.5%3A0.5b'],
  ])('%s %s', async (method, target, expected) => {
    const res = await send(method, target, gw.key)
    expect(res.status).toBeLessThan(500)
    expect(res.upstream).toEqual([expected])
  })

  test.each([
    '/v1/models/%2e%2e%2fapi%2fpull',
    '/v1/models/..%2f..%2fapi%2fpull',
    '/v1/models/..',
    '/v1/models/%2e%2e',
    '/v1/models/a%0d%0aX-Injected:%201',
    '/v1/models/' + 'a'.repeat(400),
  ])('GET %s never reaches a backend as another path', async (target) => {
    const res = await send('GET', target, gw.key)
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(res.upstream).toEqual([])
  })
})

/**
 * Pins: a malformed percent-encoding (`/api/%`) or an overlong path parameter
 * was answered by Fastify itself (`FST_ERR_BAD_URL`, and a 414 for the
 * parameter), outside the error table and the client's dialect.
 */
describe('a malformed percent-encoding is a 400 in the client dialect, never a 500', () => {
  test.each(BAD_ENCODINGS)('POST %s', async (target) => {
    const res = await send('POST', target, gw.key)
    expect(res.status).toBe(400)
    expect(res.upstream).toEqual([])
    const body = JSON.parse(res.body) as { error: unknown }
    if (target.startsWith('/v1/')) {
      expect(body.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'corral_err_bad_request',
      })
    } else {
      expect(typeof body.error).toBe('string')
    }
  })
})

/**
 * Pins: an absolute-form request target (`GET http://host/v1/models`) was routed
 * by its path but answered errors in the Ollama dialect and ignored the base
 * path, because everything but the router read the raw target.
 */
test('an absolute-form target is read as its path everywhere: route, base path and dialect', async () => {
  const viaBase = await send('POST', 'http://gateway/ollama/api/chat', gw.key)
  expect(viaBase.status).toBe(200)
  expect(viaBase.upstream).toEqual(['/api/chat'])
  const noKey = await rawExchange(
    port,
    'GET http://gateway/v1/models HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n',
  )
  expect(noKey.statuses).toEqual([401])
  expect(noKey.text).toContain('"code":"corral_err_no_key"')
})
