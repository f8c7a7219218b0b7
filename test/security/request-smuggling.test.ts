// Request smuggling and parser abuse over raw sockets: every ambiguous or
// malformed framing is either refused with 400 or reaches the backend as one
// request. A second, smuggled request never reaches a backend.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { rawExchange } from '../support/raw-http.js'

let gw: TestGateway
let port: number
let probe = 0

beforeAll(async () => {
  // No background health traffic to confuse the count of upstream requests.
  gw = await startTestGateway({ config: (c) => void (c.balancer.healthIntervalMs = 600_000) })
  port = Number(new URL(gw.url).port)
})
afterAll(() => gw.close())

const BODY = JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false })
const HEX = BODY.length.toString(16)

/** A request line and headers for POST /api/generate, tagged so its upstream copies can be counted. */
function post(id: string, key: string, lines: string[], eol = '\r\n'): string {
  const head = [
    'POST /api/generate HTTP/1.1',
    'Host: gateway',
    `Authorization: Bearer ${key}`,
    'Content-Type: application/json',
    `X-Probe: ${id}`,
    ...lines,
  ]
  return head.join(eol) + eol + eol
}

/** The request an attacker hopes the gateway forwards as a second one. */
function smuggled(id: string, key: string): string {
  return `GET /api/version HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${key}\r\nX-Probe: ${id}\r\n\r\n`
}

type Case = [name: string, build: (id: string, key: string) => string, expected: 'refused' | 'one']

const CASES: Case[] = [
  [
    'Content-Length and Transfer-Encoding together (CL.TE)',
    (id, k) =>
      post(id, k, [`Content-Length: ${BODY.length}`, 'Transfer-Encoding: chunked']) +
      '0\r\n\r\n' +
      smuggled(id, k),
    'refused',
  ],
  [
    'Transfer-Encoding then Content-Length (TE.CL)',
    (id, k) =>
      post(id, k, ['Transfer-Encoding: chunked', 'Content-Length: 4']) +
      `${HEX}\r\n${BODY}\r\n0\r\n\r\n` +
      smuggled(id, k),
    'refused',
  ],
  [
    'two different Content-Length headers',
    (id, k) =>
      post(id, k, [`Content-Length: ${BODY.length}`, 'Content-Length: 5']) + BODY + smuggled(id, k),
    'refused',
  ],
  [
    'two equal Content-Length headers',
    (id, k) =>
      post(id, k, [`Content-Length: ${BODY.length}`, `Content-Length: ${BODY.length}`]) + BODY,
    'refused',
  ],
  [
    'a Content-Length list',
    (id, k) => post(id, k, [`Content-Length: ${BODY.length}, ${BODY.length}`]) + BODY,
    'refused',
  ],
  [
    'a signed Content-Length',
    (id, k) => post(id, k, [`Content-Length: +${BODY.length}`]) + BODY,
    'refused',
  ],
  [
    'a negative Content-Length',
    (id, k) => post(id, k, ['Content-Length: -1']) + smuggled(id, k),
    'refused',
  ],
  [
    'an obfuscated Transfer-Encoding (xchunked) with a Content-Length',
    (id, k) =>
      post(id, k, ['Transfer-Encoding: xchunked', 'Content-Length: 5']) +
      '0\r\n\r\n' +
      smuggled(id, k),
    'refused',
  ],
  [
    'Transfer-Encoding with a tab and a Content-Length',
    (id, k) =>
      post(id, k, ['Transfer-Encoding:\tchunked', 'Content-Length: 3']) +
      '0\r\n\r\n' +
      smuggled(id, k),
    'refused',
  ],
  [
    'chunked followed by another coding',
    (id, k) =>
      post(id, k, ['Transfer-Encoding: chunked, identity']) + '0\r\n\r\n' + smuggled(id, k),
    'refused',
  ],
  [
    'two Transfer-Encoding headers',
    (id, k) =>
      post(id, k, ['Transfer-Encoding: chunked', 'Transfer-Encoding: x']) +
      '0\r\n\r\n' +
      smuggled(id, k),
    'refused',
  ],
  [
    'a space before the colon of Transfer-Encoding',
    (id, k) => post(id, k, ['Transfer-Encoding : chunked']) + '0\r\n\r\n' + smuggled(id, k),
    'refused',
  ],
  [
    'a space before the colon of Content-Length',
    (id, k) => post(id, k, [`Content-Length : ${BODY.length}`]) + BODY,
    'refused',
  ],
  [
    'LF-only line endings',
    (id, k) => post(id, k, [`Content-Length: ${BODY.length}`], '\n') + BODY + smuggled(id, k),
    'refused',
  ],
  [
    'a bare LF inside the headers',
    (id, k) =>
      post(id, k, [`Content-Length: ${BODY.length}`]).replace(
        'Host: gateway\r\n',
        'Host: gateway\n',
      ) + BODY,
    'refused',
  ],
  [
    'an obsolete folded header line',
    (id, k) => post(id, k, [`Content-Length: ${BODY.length}`, 'X-Folded: a', ' b']) + BODY,
    'refused',
  ],
  [
    'LF-only chunk framing',
    (id, k) =>
      post(id, k, ['Transfer-Encoding: chunked']) + `${HEX}\n${BODY}\n0\n\n` + smuggled(id, k),
    'refused',
  ],
  [
    'a chunk extension with a bare LF in a quoted value',
    (id, k) =>
      post(id, k, ['Transfer-Encoding: chunked']) + `${HEX};a="\n"\r\n${BODY}\r\n0\r\n\r\n`,
    'refused',
  ],
  [
    'a chunk size that overflows',
    (id, k) =>
      post(id, k, ['Transfer-Encoding: chunked']) + 'FFFFFFFFFFFFFFFFFF\r\n' + smuggled(id, k),
    'refused',
  ],
  [
    'a NUL byte in the request line',
    (id, k) => post(id, k, ['Content-Length: 0']).replace('/api/generate', '/api/generate\0'),
    'refused',
  ],
  [
    'a well-formed chunk extension',
    (id, k) =>
      post(id, k, ['Transfer-Encoding: chunked']) + `${HEX};ext=1;q="v"\r\n${BODY}\r\n0\r\n\r\n`,
    'one',
  ],
  [
    'Transfer-Encoding: Chunked in another case',
    (id, k) => post(id, k, ['Transfer-Encoding: Chunked']) + `${HEX}\r\n${BODY}\r\n0\r\n\r\n`,
    'one',
  ],
  [
    'a body longer than its Content-Length (the rest is a request of its own, with no key)',
    (id, k) =>
      post(id, k, [`Content-Length: ${BODY.length}`]) + BODY + smuggled(id, 'crl_not-a-key'),
    'one',
  ],
]

describe('ambiguous framing is refused or forwarded as exactly one request', () => {
  test.each(CASES)('%s', async (_name, build, expected) => {
    const id = `p${++probe}`
    const payload = build(id, gw.key)
    // A forwarded request answers; a refused one closes. Stop reading at whichever comes first.
    const answers = expected === 'one' ? payload.split(' HTTP/1.1\r\n').length - 1 : undefined
    const res = await rawExchange(port, payload, { timeoutMs: 3000, responses: answers })
    // Give anything that did get through time to arrive upstream.
    await new Promise((r) => setTimeout(r, 40))
    const upstream = gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id)
    expect(upstream.length).toBeLessThanOrEqual(1)
    if (expected === 'refused') {
      expect(res.statuses[0]).toBe(400)
      expect(upstream).toHaveLength(0)
    } else {
      expect(res.statuses[0]).toBe(200)
      expect(upstream).toHaveLength(1)
      expect(upstream[0]!.path).toBe('/api/generate')
      expect(upstream[0]!.body).toEqual(JSON.parse(BODY))
    }
    // A status 5xx would mean the gateway tripped over the input itself.
    expect(res.statuses.every((s) => s < 500)).toBe(true)
  })
})

test('a header line with no CRLF after it never reaches a backend and is cut at the headers timeout', async () => {
  const slow = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.headersTimeoutMs = 1000
      c.server.requestTimeoutMs = 2000
    },
  })
  try {
    const res = await rawExchange(
      Number(new URL(slow.url).port),
      `POST /api/generate HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${slow.key}\r\nX-Probe: nocrlf\r\nContent-Length: ${BODY.length}`,
      { timeoutMs: 5000 },
    )
    expect(res.closedByServer).toBe(true)
    expect(res.statuses).toEqual([408])
    expect(res.elapsedMs).toBeLessThan(2500)
    expect(slow.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === 'nocrlf')).toEqual([])
  } finally {
    await slow.close()
  }
})

test('CONNECT is closed without an answer and goes nowhere', async () => {
  gw.fakes[0]!.reset()
  const res = await rawExchange(
    port,
    `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\nAuthorization: Bearer ${gw.key}\r\n\r\n`,
  )
  expect(res.closedByServer).toBe(true)
  expect(res.statuses.filter((s) => s === 200)).toEqual([])
  expect(gw.fakes[0]!.requests).toEqual([])
})

test('an absolute-form request target is routed by its path, and the backend still gets its own Host', async () => {
  const id = `p${++probe}`
  const res = await rawExchange(
    port,
    `GET http://evil.example/api/version HTTP/1.1\r\nHost: evil.example\r\nAuthorization: Bearer ${gw.key}\r\nX-Probe: ${id}\r\nConnection: close\r\n\r\n`,
  )
  expect(res.statuses).toEqual([200])
  const [up] = gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id)
  expect(up!.url).toBe('/api/version')
  expect(up!.headers.host).toBe(new URL(gw.fakes[0]!.url).host)
})
