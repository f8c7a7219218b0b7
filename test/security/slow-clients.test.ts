// Slow and hostile clients: a slowloris head, a body sent a byte at a time and
// a connection that never says anything are cut close to the configured
// timeouts; a client that stops reading a fast stream holds back the backend
// instead of filling the gateway's memory.
import http from 'node:http'
import v8 from 'node:v8'
import vm from 'node:vm'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { openSocket } from '../support/raw-http.js'
import { connectionCheckIntervalMs } from '../../gateway/app.js'
import { createLogger } from '../../gateway/util/logger.js'

const HEADERS_TIMEOUT_MS = 1000
const REQUEST_TIMEOUT_MS = 2000
/** Node's check runs every connectionCheckIntervalMs; allow that plus scheduling noise. */
const SLACK_MS = 1000

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void
const heapMb = () => {
  gc()
  return process.memoryUsage().heapUsed / 1e6
}

const logLines: string[] = []
let gw: TestGateway
let port: number

beforeAll(async () => {
  gw = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.headersTimeoutMs = HEADERS_TIMEOUT_MS
      c.server.requestTimeoutMs = REQUEST_TIMEOUT_MS
    },
    start: { logger: createLogger({ level: 'warn', write: (l) => logLines.push(l) }) },
  })
  port = Number(new URL(gw.url).port)
})
afterAll(() => gw.close())

/** Write `chunk` every `everyMs` until the server closes; resolve with when and what it said. */
async function dribble(first: string, chunk: string, everyMs: number) {
  const c = await openSocket(port)
  c.write(first)
  const timer = setInterval(() => c.write(chunk), everyMs)
  const closed = await c.closed
  clearInterval(timer)
  return closed
}

/**
 * Pins: Node checks header and request timeouts on a timer that defaults to
 * 30 s, so a slowloris client held its connection for up to 30 s past a 1 s
 * `server.headersTimeoutMs`. The gateway now sets the check interval from the
 * configured timeouts.
 */
describe.concurrent(
  "timeouts are enforced within the configured time, not Node's 30 s check",
  () => {
    test('a slowloris head (one header line every 100 ms) is cut with 408 at the headers timeout', async () => {
      const r = await dribble('GET /api/tags HTTP/1.1\r\nHost: gateway\r\n', 'X-Slow: 1\r\n', 100)
      expect(r.text).toMatch(/^HTTP\/1\.1 408 /)
      expect(r.atMs).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS)
    })

    test('a connection that sends nothing is closed at the headers timeout', async () => {
      const c = await openSocket(port)
      const r = await c.closed
      expect(r.atMs).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS)
    })

    test('a body sent one byte every 100 ms is cut at the request timeout, and never reaches a backend', async () => {
      gw.fakes[0]!.reset()
      const r = await dribble(
        `POST /api/generate HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${gw.key}\r\nContent-Length: 100000\r\n\r\n{"model":"llama3.2","prompt":"`,
        'a',
        100,
      )
      expect(r.text).toMatch(/^HTTP\/1\.1 408 /)
      expect(r.atMs).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS)
      expect(gw.fakes[0]!.requests.filter((q) => q.path === '/api/generate')).toEqual([])
    })

    test('the check interval follows the timeouts, between 250 ms and 1 s', () => {
      expect(connectionCheckIntervalMs(1000, 2000)).toBe(250)
      expect(connectionCheckIntervalMs(15_000, 120_000)).toBe(1000)
      expect(connectionCheckIntervalMs(3000, 2000)).toBe(500)
    })
  },
)

/**
 * Pins: a client that went away (or was cut by the request timeout) while its
 * body was being read reached the error handler as an "Unhandled error" and
 * was logged at error level: one log line per hostile client, and a 500 meant
 * for nobody.
 */
test('a client that leaves in the middle of its body is recorded as aborted, not logged as a gateway error', async () => {
  logLines.length = 0
  const c = await openSocket(port)
  c.write(
    `POST /api/chat HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${gw.key}\r\nContent-Length: 5000\r\n\r\n{"model":"llama3.2",`,
  )
  await new Promise((r) => setTimeout(r, 150))
  c.destroy()
  await expect
    .poll(async () => {
      const recent = await gw.control<Array<{ path: string; status: number; outcome: string }>>(
        'GET',
        '/control/stats/recent?limit=20',
      )
      return recent.body.find((r) => r.path === '/api/chat')
    })
    .toMatchObject({ outcome: 'client_aborted' })
  expect(logLines.filter((l) => l.includes('error'))).toEqual([])
})

/** An NDJSON backend that streams 64 KB lines as fast as its socket takes them, counting bytes. */
async function startFloodBackend() {
  let written = 0
  let active: http.ServerResponse | null = null
  let aborted = false
  const line =
    JSON.stringify({ model: 'llama3.2', response: 'x'.repeat(64 * 1024), done: false }) + '\n'
  const server = http.createServer((req, res) => {
    if (req.url === '/api/version') return res.end(JSON.stringify({ version: '0.12.6' }))
    if (req.url === '/api/tags' || req.url === '/api/ps')
      return res.end(JSON.stringify({ models: [] }))
    req.resume()
    active = res
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    res.on('close', () => {
      if (!res.writableFinished) aborted = true
    })
    const pump = () => {
      while (!res.destroyed) {
        written += line.length
        if (!res.write(line)) return void res.once('drain', pump)
      }
    }
    pump()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    written: () => written,
    aborted: () => aborted,
    close: async () => {
      active?.destroy()
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

test('a client that stops reading a fast stream holds the backend back; memory stays bounded', async () => {
  const flood = await startFloodBackend()
  const g = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.backends[0]!.url = flood.url
    },
  })
  try {
    const sockets: Socket[] = []
    g.running.gateway()!.server.on('connection', (s: Socket) => sockets.push(s))
    gc()
    const before = process.memoryUsage()
    const c = await openSocket(Number(new URL(g.url).port))
    c.socket.pause() // reads nothing, ever
    const body = JSON.stringify({ model: 'llama3.2', prompt: 'flood' })
    c.write(
      `POST /api/generate HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${g.key}\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    )
    await new Promise((r) => setTimeout(r, 1500))
    const after = process.memoryUsage()
    const grownMb = (after.rss - before.rss) / 1e6
    const writtenMb = flood.written() / 1e6
    const bufferedMb = sockets.reduce((n, s) => n + s.writableLength, 0) / 1e6
    // Unchecked, a loopback backend pushes gigabytes in 2.5 s; with backpressure
    // only the socket buffers on both legs fill (a few MB each).
    expect(writtenMb, `backend wrote ${writtenMb} MB`).toBeLessThan(48)
    expect(bufferedMb).toBeLessThan(8)
    expect(grownMb, `rss grew ${grownMb} MB`).toBeLessThan(96)
    // And when the client finally leaves, the backend request is cancelled.
    c.destroy()
    await expect.poll(() => flood.aborted(), { timeout: 3000 }).toBe(true)
  } finally {
    await g.close()
    await flood.close()
  }
})

test('a client that pipelines 100,000 requests and reads no answer stops being served; memory stays bounded', async () => {
  const server = gw.running.gateway()!.server
  let served = 0
  const count = (_req: http.IncomingMessage, res: http.ServerResponse) =>
    res.once('finish', () => (served += 1))
  server.on('request', count)
  try {
    const before = heapMb()
    const c = await openSocket(port)
    c.socket.pause()
    // /metrics answers loopback (peer and Host) without a key, with a few KB each: the buffers fill fast.
    const batch = `GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`.repeat(1000)
    let sent = 0
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (sent < 100) {
          sent += 1
          if (!c.write(batch)) return void c.socket.once('drain', pump)
        }
        resolve()
      }
      pump()
      // The gateway stops reading once its answers back up: the writes stall, and that is the point.
      setTimeout(resolve, 1000)
    })
    let servedThen = -1
    await expect
      .poll(
        () => {
          const still = served !== servedThen
          servedThen = served
          return still
        },
        { timeout: 8000, interval: 400 },
      )
      .toBe(false)
    expect(served).toBeLessThan(100_000)
    const grown = heapMb() - before
    expect(grown, `heap grew ${grown.toFixed(1)} MB`).toBeLessThan(48)
    c.destroy()
  } finally {
    server.off('request', count)
  }
})
