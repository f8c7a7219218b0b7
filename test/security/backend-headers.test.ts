// Issue 25: headers that must not reach a backend. A browser's cookies and Origin, a
// client's X-Forwarded-Host/Proto/Port claims and the gateway's own X-Corral-* headers
// stop at the gateway; X-Forwarded-For is the gateway's own word (the address it saw).
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => (c.balancer.healthIntervalMs = 600_000) })
})
afterAll(() => gw.close())

const CLIENT_HEADERS: Record<string, string> = {
  cookie: 'session=owner-secret',
  // An origin the gateway lets in (server.allowedOrigins, Ollama's defaults): a page on another
  // origin is refused before any backend (gateway/cors/), so it could not show the stripping.
  origin: 'http://localhost:3000',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-forwarded-for': '203.0.113.9',
  'x-corral-trace': 'internal',
  'x-corral-backend': 'b0',
}

test.each([
  ['/api/chat', { model: 'llama3.2', messages: [], stream: false }],
  ['/v1/chat/completions', { model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }],
])(
  'a request to %s reaches the backend without Cookie, Origin, X-Forwarded-Host/Proto/Port or X-Corral-* headers',
  async (path, body) => {
    const probe = `probe-${path}`
    const res = await fetch(gw.url + path, {
      method: 'POST',
      headers: {
        ...CLIENT_HEADERS,
        authorization: `Bearer ${gw.key}`,
        'content-type': 'application/json',
        'x-probe': probe,
      },
      body: JSON.stringify(body),
    })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    const seen = gw.fakes[0]!.requests.find((r) => r.headers['x-probe'] === probe)
    expect(seen).toBeDefined()
    const names = Object.keys(seen!.headers)
    for (const name of [
      'cookie',
      'origin',
      'x-forwarded-host',
      'x-forwarded-proto',
      'x-forwarded-port',
    ])
      expect(names).not.toContain(name)
    expect(names.filter((n) => n.startsWith('x-corral-'))).toEqual([])
    // The gateway's own word on the client's address, never the client's claim.
    expect(seen!.headers['x-forwarded-for']).toBe('127.0.0.1')
    // The rest of what the client said still arrives.
    expect(seen!.headers['content-type']).toBe('application/json')
  },
)
