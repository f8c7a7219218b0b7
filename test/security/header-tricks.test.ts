// Header tricks: hop-by-hop stripping that a client steers with `Connection`,
// doubled credentials, oversized heads, compressed bodies and protocol
// upgrades. The gateway's own headers survive, the client's keys never pass.
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { rawExchange } from '../support/raw-http.js'

/** What the gateway sends a backend that is itself a Corral (a teammate's box). */
const BACKEND_KEY = 'crl_backend-key-the-gateway-adds-itself-000000'

let gw: TestGateway
let port: number
let otherKey: string
let probe = 0

beforeAll(async () => {
  gw = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.bodyLimitBytes = 4096
      c.backends[0]!.key = BACKEND_KEY
    },
  })
  port = Number(new URL(gw.url).port)
  otherKey = (await gw.newKey({ name: 'bob' })).key
})
afterAll(() => gw.close())

const BODY = JSON.stringify({ model: 'llama3.2', messages: [], stream: false })

interface Sent {
  status: number
  text: string
  upstream: Array<{
    url: string
    headers: Record<string, string | string[] | undefined>
    body: unknown
  }>
}

/** POST /api/chat with these header lines (raw, so duplicates and odd spellings go out as written). */
async function post(
  lines: string[],
  body: string | Buffer = BODY,
  path = '/api/chat',
): Promise<Sent> {
  const id = `hdr-${++probe}`
  const head =
    `POST ${path} HTTP/1.1\r\nHost: gateway\r\nX-Probe: ${id}\r\n` +
    lines.map((l) => l + '\r\n').join('') +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`
  const res = await rawExchange(port, [head, body], { timeoutMs: 5000 })
  const upstream = gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id).map((r) => ({
    url: r.url,
    headers: r.headers,
    body: r.body,
  }))
  return { status: res.statuses[0] ?? 0, text: res.text, upstream }
}

describe('Connection-named headers', () => {
  test('naming the key headers does not let a key through, and does not drop what the gateway adds', async () => {
    const res = await post([
      `Authorization: Bearer ${gw.key}`,
      `X-API-Key: ${gw.key}`,
      'Connection: keep-alive, x-api-key, authorization, content-length, host, x-probe-not-there',
    ])
    expect(res.status).toBe(200)
    const [up] = res.upstream
    // The gateway's own credential for this backend, not the client's key.
    expect(up!.headers.authorization).toBe(`Bearer ${BACKEND_KEY}`)
    expect(up!.headers['x-api-key']).toBeUndefined()
    expect(up!.headers['content-length']).toBe(String(BODY.length))
    expect(up!.headers.host).toBe(new URL(gw.fakes[0]!.url).host)
    expect(up!.body).toEqual(JSON.parse(BODY))
  })

  test('headers the client names in Connection are dropped, as hop-by-hop headers', async () => {
    const res = await post([
      `Authorization: Bearer ${gw.key}`,
      'Connection: x-secret-hop',
      'X-Secret-Hop: 1',
      'X-Kept: 2',
    ])
    expect(res.status).toBe(200)
    expect(res.upstream[0]!.headers['x-secret-hop']).toBeUndefined()
    expect(res.upstream[0]!.headers['x-kept']).toBe('2')
  })

  test.each(['te', 'trailer', 'upgrade', 'keep-alive', 'proxy-authorization', 'proxy-connection'])(
    'the hop-by-hop header %s never reaches a backend',
    async (name) => {
      const res = await post([`Authorization: Bearer ${gw.key}`, `${name}: x`])
      expect(res.status).toBe(200)
      expect(res.upstream[0]!.headers[name]).toBeUndefined()
    },
  )
})

describe('doubled credentials are refused, not guessed at', () => {
  test.each([
    [
      'two equal Authorization headers',
      () => [`Authorization: Bearer ${gw.key}`, `Authorization: Bearer ${gw.key}`],
    ],
    [
      'two different Authorization headers',
      () => [`Authorization: Bearer ${gw.key}`, `Authorization: Bearer ${otherKey}`],
    ],
    [
      'a bad Authorization before a good one',
      () => ['Authorization: Bearer crl_nope', `Authorization: Bearer ${gw.key}`],
    ],
    ['two X-API-Key headers', () => [`X-API-Key: ${gw.key}`, `X-API-Key: ${otherKey}`]],
    [
      'Authorization and X-API-Key naming different keys',
      () => [`Authorization: Bearer ${gw.key}`, `X-API-Key: ${otherKey}`],
    ],
    [
      'an empty Authorization next to a good X-API-Key',
      () => ['Authorization: ', `X-API-Key: ${gw.key}`],
    ],
  ])('%s', async (_name, lines) => {
    const res = await post(lines())
    expect(res.status).toBe(401)
    expect(res.upstream).toEqual([])
  })

  test.each([
    ['Proxy-Authorization', () => [`Proxy-Authorization: Bearer ${gw.key}`]],
    ['a cookie', () => [`Cookie: key=${gw.key}`]],
  ])('a key in %s is not a key', async (_name, lines) => {
    const res = await post(lines())
    expect(res.status).toBe(401)
    expect(res.upstream).toEqual([])
  })
})

describe('oversized request heads', () => {
  test('one 20 KB header is refused with 431 before any backend sees it', async () => {
    const res = await post([`Authorization: Bearer ${gw.key}`, `X-Big: ${'a'.repeat(20_000)}`])
    expect(res.status).toBe(431)
    expect(res.upstream).toEqual([])
  })

  test('3,000 small headers are refused with 431', async () => {
    const res = await post([
      `Authorization: Bearer ${gw.key}`,
      ...Array.from({ length: 3000 }, (_, i) => `X-H${i}: 1`),
    ])
    expect(res.status).toBe(431)
    expect(res.upstream).toEqual([])
  })

  test('a head just under the limit is forwarded whole', async () => {
    const res = await post([`Authorization: Bearer ${gw.key}`, `X-Big: ${'a'.repeat(15_000)}`])
    expect(res.status).toBe(200)
    expect(String(res.upstream[0]!.headers['x-big'])).toHaveLength(15_000)
  })
})

describe('compressed request bodies never get around the limits or the model check', () => {
  const gz = gzipSync(BODY)
  test.each([
    ['gzip', ['Content-Encoding: gzip'], gz],
    ['GZIP in capitals', ['Content-Encoding: GZIP'], gz],
    ['br', ['Content-Encoding: br'], Buffer.from('xx')],
    ['deflate', ['Content-Encoding: deflate'], Buffer.from('xx')],
    [
      'identity then gzip, in two headers',
      ['Content-Encoding: identity', 'Content-Encoding: gzip'],
      gz,
    ],
    [
      'a gzip bomb far over the body limit',
      ['Content-Encoding: gzip'],
      gzipSync(Buffer.alloc(5_000_000, 32)),
    ],
  ])('Content-Encoding %s is refused with 415', async (_name, lines, body) => {
    const res = await post([`Authorization: Bearer ${gw.key}`, ...lines], body)
    expect(res.status).toBe(415)
    expect(res.upstream).toEqual([])
  })

  test('a model the key may not use, gzipped, is still refused', async () => {
    const limited = await gw.newKey({ name: 'only-qwen', models: ['qwen2.5:*'] })
    const res = await post([`Authorization: Bearer ${limited.key}`, 'Content-Encoding: gzip'], gz)
    expect([403, 415]).toContain(res.status)
    expect(res.upstream).toEqual([])
  })

  test('Transfer-Encoding: gzip is not decoded into a body the gateway then trusts', async () => {
    const id = `hdr-${++probe}`
    const res = await rawExchange(
      port,
      [
        `POST /api/chat HTTP/1.1\r\nHost: gateway\r\nX-Probe: ${id}\r\nAuthorization: Bearer ${gw.key}\r\n` +
          'Transfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n',
        `${gz.length.toString(16)}\r\n`,
        gz,
        '\r\n0\r\n\r\n',
      ],
      { timeoutMs: 5000 },
    )
    expect(res.statuses[0]).toBeGreaterThanOrEqual(400)
    expect(res.statuses[0]).toBeLessThan(500)
    expect(gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id)).toEqual([])
  })

  test('identity is not compression', async () => {
    const res = await post([`Authorization: Bearer ${gw.key}`, 'Content-Encoding: identity'])
    expect(res.status).toBe(200)
  })
})

describe('protocol upgrades', () => {
  const ws = [
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
  ]

  test('a WebSocket upgrade without a key gets 401 and nothing upstream', async () => {
    const id = `hdr-${++probe}`
    const res = await rawExchange(
      port,
      `GET /api/tags HTTP/1.1\r\nHost: gateway\r\nX-Probe: ${id}\r\n${ws.join('\r\n')}\r\n\r\n`,
      { responses: 1 },
    )
    expect(res.statuses).toEqual([401])
    expect(gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id)).toEqual([])
  })

  test.each([
    ['a WebSocket upgrade', ws],
    [
      'an h2c upgrade',
      [
        'Upgrade: h2c',
        'Connection: Upgrade, HTTP2-Settings',
        'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA',
      ],
    ],
  ])(
    '%s with a key is served as plain HTTP/1.1, and the upgrade is not passed on',
    async (_name, lines) => {
      const id = `hdr-${++probe}`
      const res = await rawExchange(
        port,
        `GET /api/version HTTP/1.1\r\nHost: gateway\r\nX-Probe: ${id}\r\nAuthorization: Bearer ${gw.key}\r\n${lines.join('\r\n')}\r\n\r\n`,
        { responses: 1 },
      )
      expect(res.statuses).toEqual([200])
      const [up] = gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id)
      expect(up!.headers.upgrade).toBeUndefined()
      expect(String(up!.headers.connection ?? '')).not.toMatch(/upgrade/i)
      expect(up!.headers['http2-settings']).toBeUndefined()
    },
  )
})

/**
 * Pins: a client's own `X-Forwarded-For` reached the backend unchanged, so a
 * client could pose as any address to a backend that trusts this gateway as
 * a proxy (a teammate's Corral). The gateway now sends the address it believes.
 */
test('a spoofed X-Forwarded-For is replaced by the address the gateway saw', async () => {
  const res = await post([
    `Authorization: Bearer ${gw.key}`,
    'X-Forwarded-For: 8.8.8.8',
    'X-Forwarded-For: 1.1.1.1',
    'Forwarded: for=8.8.4.4',
    'X-Real-IP: 9.9.9.9',
  ])
  expect(res.status).toBe(200)
  const h = res.upstream[0]!.headers
  expect(h['x-forwarded-for']).toBe('127.0.0.1')
  expect(h.forwarded).toBeUndefined()
  expect(h['x-real-ip']).toBeUndefined()
})

/**
 * Pins: `/metrics` is open without a key to this machine, and the check read
 * the socket's address, not the client address the gateway works out: behind
 * a trusted reverse proxy on this machine (nginx on 127.0.0.1), every LAN
 * client got the metrics (client addresses, models) without a key.
 */
test('a LAN client behind a trusted proxy on this machine needs a key for /metrics', async () => {
  const proxied = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.access.trustedProxies = ['127.0.0.1/32']
    },
  })
  try {
    const port = Number(new URL(proxied.url).port)
    const get = (lines: string[], host = `127.0.0.1:${port}`) =>
      rawExchange(
        port,
        `GET /metrics HTTP/1.1\r\nHost: ${host}\r\n${lines.map((l) => l + '\r\n').join('')}Connection: close\r\n\r\n`,
      )
    expect((await get(['X-Forwarded-For: 192.168.1.50'])).statuses).toEqual([401])
    // The owner's own Prometheus, straight on loopback, still needs none (with a loopback
    // Host: test/security/metrics-rebinding.test.ts).
    expect((await get([])).statuses).toEqual([200])
  } finally {
    await proxied.close()
  }
})
