// proxyUpstream(): one exchange that sends a request to a backend over the relay's
// own connections and relays the answer. Real sockets on both sides: a plain node:http backend
// each test controls, and a plain node:http gateway whose only job is to call
// proxyUpstream(), so what is seen here is the relay and nothing else.
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { once } from 'node:events'
import { afterAll, afterEach, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { CorralError, type Dialect } from '../../gateway/errors.js'
import {
  classifyUpstreamError,
  errorFrame,
  proxyUpstream,
  upstreamHeaders,
  type RelayOutcome,
  type UpstreamRequest,
  UpstreamPool,
} from '../../gateway/proxy/forward.js'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

interface GatewayOptions {
  /** Pass the client's request on as a stream instead of reading it into a Buffer first. */
  streamBody?: boolean
  dialect?: Dialect
  headersTimeoutMs?: number
  idleTimeoutMs?: number
  extraHeaders?: Record<string, string>
  /** Sent as the backend's key. */
  key?: string | null
  /** Call abort() twice as soon as the exchange exists, then answer 502 as dispatch.ts would. */
  abortAtOnce?: boolean
}

type Settled =
  { outcome: RelayOutcome } | { error: Error & { code?: string }; headersSentAtReject: boolean }

/** What the gateway saw of one exchange. */
interface Seen {
  statuses: Array<{ status: number; streaming: boolean; headersSent: boolean }>
  chunks: Buffer[]
  firstBytes: number
  /** Most bytes the client response held at once: what the gateway buffered. */
  maxBuffered: number
  settled: Promise<Settled>
}

const STRIP = ['authorization', 'x-api-key'] as const
const FORWARDED_FOR = '10.0.0.7'
const servers: http.Server[] = []
const pool = new UpstreamPool()

afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    s.close()
  }
})
afterAll(() => pool.close())

async function listen(handler: Handler): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer(handler)
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as AddressInfo).port }
}

function callFor(req: IncomingMessage, body: UpstreamRequest['body'], o: GatewayOptions) {
  return {
    method: req.method!,
    path: req.url!,
    headers: req.headers,
    stripHeaders: STRIP,
    forwardedFor: FORWARDED_FOR,
    body,
    headersTimeoutMs: o.headersTimeoutMs ?? 5_000,
    idleTimeoutMs: o.idleTimeoutMs ?? 5_000,
  } satisfies UpstreamRequest
}

/** A backend answering with `backend`, and a gateway in front of it; `seen` fills per request. */
async function setup(backend: Handler | { origin: string }, o: GatewayOptions = {}) {
  const origin =
    'origin' in backend ? backend.origin : `http://127.0.0.1:${(await listen(backend)).port}`
  const seen: Seen[] = []
  const gw = await listen((req, res) => {
    let settle!: (s: Settled) => void
    const s: Seen = {
      statuses: [],
      chunks: [],
      firstBytes: 0,
      maxBuffered: 0,
      settled: new Promise((resolve) => (settle = resolve)),
    }
    seen.push(s)
    const start = (body: UpstreamRequest['body']) => {
      const exchange = proxyUpstream(
        pool,
        { origin, key: o.key ?? null },
        callFor(req, body, o),
        res,
        {
          dialect: o.dialect ?? 'ollama',
          extraHeaders: o.extraHeaders,
          onStatus: (status, streaming) =>
            s.statuses.push({ status, streaming, headersSent: res.headersSent }),
          onFirstByte: () => (s.firstBytes += 1),
          onChunk: (buf, start, end) => {
            s.chunks.push(Buffer.from(buf.subarray(start, end)))
            s.maxBuffered = Math.max(s.maxBuffered, res.writableLength)
          },
        },
      )
      if (o.abortAtOnce) {
        exchange.abort()
        exchange.abort()
        res.writeHead(502).end()
      }
      exchange.done.then(
        (outcome) => settle({ outcome }),
        (error: Error) => {
          settle({ error, headersSentAtReject: res.headersSent })
          // What dispatch.ts does with a failure before the head: a plain error answer.
          res.writeHead(502).end()
        },
      )
    }
    if (o.streamBody) return start(req)
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => start(parts.length ? Buffer.concat(parts) : null))
  })
  return { url: `http://127.0.0.1:${gw.port}`, port: gw.port, seen }
}

async function eventually<T>(check: () => T, timeoutMs = 3000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      return check()
    } catch (err) {
      if (Date.now() > until) throw err
      await new Promise((r) => setTimeout(r, 10))
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function echoHeaders(req: IncomingMessage, res: ServerResponse): void {
  const parts: Buffer[] = []
  req.on('data', (c: Buffer) => parts.push(c))
  req.on('end', () => {
    const body = JSON.stringify({ headers: req.headers, body: Buffer.concat(parts).toString() })
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-backend': 'yes',
      'keep-alive': 'timeout=77',
    })
    res.end(body)
  })
}

describe('request and answer', () => {
  test.each([
    ['read into a Buffer', false],
    ['streamed from the client', true],
  ])('the body and headers reach the backend as upstreamHeaders() says (%s)', async (_, stream) => {
    const gw = await setup(echoHeaders, { streamBody: stream, key: 'backend-key' })
    const sent = {
      authorization: 'Bearer client-key',
      'x-api-key': 'client-key',
      'x-forwarded-for': '6.6.6.6',
      'x-trace': 'abc',
      'content-type': 'application/json',
    }
    const body = JSON.stringify({ model: 'llama3.2', prompt: 'hi' })
    const res = await request(`${gw.url}/api/generate?x=1`, {
      method: 'POST',
      headers: sent,
      body,
    })
    const got = (await res.body.json()) as { headers: Record<string, string>; body: string }
    expect(got.body).toBe(body)
    expect(got.headers.authorization).toBe('Bearer backend-key')
    expect(got.headers['x-api-key']).toBeUndefined()
    expect(got.headers['x-forwarded-for']).toBe(FORWARDED_FOR)
    expect(got.headers['x-trace']).toBe('abc')
    const call = { ...callFor({ method: 'POST', url: '/', headers: sent } as never, null, {}) }
    const expected = upstreamHeaders(call, { origin: '', key: 'backend-key' }, null)
    for (const [name, value] of Object.entries(expected)) expect(got.headers[name]).toBe(value)
    // A stream of unknown length goes chunked.
    if (!stream) expect(got.headers['content-length']).toBe(String(Buffer.byteLength(body)))

    expect(res.statusCode).toBe(200)
    expect(res.headers['x-backend']).toBe('yes')
    expect(res.headers['keep-alive']).not.toBe('timeout=77')
    expect(res.headers['x-accel-buffering']).toBeUndefined()
    const s = gw.seen[0]!
    await expect(s.settled).resolves.toEqual({ outcome: 'done' })
    expect(res.headers['content-length']).toBe(String(Buffer.concat(s.chunks).length))
  })

  test('onStatus is called once, before the head is written; onFirstByte once; onChunk sees every byte in order', async () => {
    const frames = Array.from({ length: 20 }, (_, i) => `{"n":${i}}\n`)
    const gw = await setup(
      (_req, res) => {
        res.writeEarlyHints({ link: '</a.css>; rel=preload' })
        res.writeHead(201, { 'content-type': 'application/x-ndjson' })
        let i = 0
        const next = () => (i < frames.length ? res.write(frames[i++]!, next) : res.end())
        next()
      },
      { extraHeaders: { 'ratelimit-remaining': '9' } },
    )
    const res = await request(`${gw.url}/api/chat`, { method: 'POST', body: '{}' })
    const text = await res.body.text()
    expect(res.statusCode).toBe(201)
    expect(res.headers['ratelimit-remaining']).toBe('9')
    expect(text).toBe(frames.join(''))
    const s = gw.seen[0]!
    await expect(s.settled).resolves.toEqual({ outcome: 'done' })
    expect(s.statuses).toEqual([{ status: 201, streaming: true, headersSent: false }])
    expect(s.firstBytes).toBe(1)
    expect(Buffer.concat(s.chunks).toString()).toBe(frames.join(''))
  })

  test('a 5xx answer is relayed as it is, and onStatus sees its status', async () => {
    const gw = await setup((_req, res) => res.writeHead(503, { 'content-length': '4' }).end('busy'))
    const res = await request(gw.url)
    expect(res.statusCode).toBe(503)
    expect(await res.body.text()).toBe('busy')
    await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'done' })
    expect(gw.seen[0]!.statuses).toEqual([{ status: 503, streaming: false, headersSent: false }])
  })
})

describe('streams', () => {
  test('an NDJSON stream is relayed frame by frame: the client has the first before the backend sends the last', async () => {
    let release!: () => void
    const released = new Promise<void>((r) => (release = r))
    const gw = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      res.write('{"n":1}\n')
      void released.then(() => res.end('{"n":2,"done":true}\n'))
    })
    const res = await request(`${gw.url}/api/chat`, { method: 'POST', body: '{}' })
    expect(res.headers['x-accel-buffering']).toBe('no')
    expect(res.headers['content-type']).toBe('application/x-ndjson')
    const it = res.body[Symbol.asyncIterator]()
    const first = (await it.next()) as IteratorResult<Buffer>
    expect(String(first.value)).toBe('{"n":1}\n')
    release()
    let rest = ''
    for (let r = await it.next(); !r.done; r = await it.next()) rest += String(r.value)
    expect(rest).toBe('{"n":2,"done":true}\n')
    await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'done' })
  })

  test('a slow client pauses the backend: 50 MB are not buffered in the gateway', async () => {
    const TOTAL = 50 * 1024 * 1024
    const CHUNK = Buffer.alloc(64 * 1024, 'x')
    let written = 0
    const gw = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': TOTAL })
      const pump = () => {
        while (written < TOTAL) {
          written += CHUNK.length
          if (!res.write(CHUNK)) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
    })
    const client = net.connect(gw.port, '127.0.0.1')
    let received = 0
    client.on('data', (d: Buffer) => (received += d.length))
    client.write('GET /big HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')
    await once(client, 'data')
    client.pause()
    // Let every buffer on the way fill up: the backend stops writing well short of the end.
    let before = -1
    while (written !== before) {
      before = written
      await sleep(150)
    }
    expect(written).toBeLessThan(TOTAL / 2)
    expect(gw.seen[0]!.maxBuffered).toBeLessThan(1024 * 1024)

    client.resume()
    await once(client, 'end')
    expect(received).toBeGreaterThan(TOTAL)
    await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'done' })
  })

  test.each([
    ['ollama', 'application/x-ndjson', '{"n":1}\n'],
    ['openai', 'text/event-stream', 'data: {"n":1}\n\n'],
  ] as const)(
    'a backend dying mid-stream ends the %s stream with an error frame',
    async (dialect, type, frame) => {
      const gw = await setup(
        (_req, res) => {
          res.writeHead(200, { 'content-type': type })
          res.write(frame, () => setTimeout(() => res.socket!.destroy(), 20))
        },
        { dialect },
      )
      const res = await request(`${gw.url}/x`, { method: 'POST', body: '{}' })
      const text = await res.body.text()
      const broken = errorFrame(dialect, new CorralError('CORRAL_ERR_STREAM_BROKEN'))
      expect(text).toBe(frame + broken)
      await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'backend_error' })
    },
  )

  test('a stream idle past the body timeout ends with an error frame', async () => {
    const gw = await setup(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' })
        res.write('{"n":1}\n')
      },
      { idleTimeoutMs: 150 },
    )
    const res = await request(`${gw.url}/api/chat`, { method: 'POST', body: '{}' })
    const text = await res.body.text()
    expect(text).toBe(
      '{"n":1}\n' + errorFrame('ollama', new CorralError('CORRAL_ERR_STREAM_BROKEN')),
    )
    await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'backend_error' })
  })

  test('a fixed-length answer cut short is cut for the client too', async () => {
    const gw = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 })
      res.write('x'.repeat(100), () => setTimeout(() => res.socket!.destroy(), 20))
    })
    const res = await request(`${gw.url}/api/show`)
    expect(res.statusCode).toBe(200)
    await expect(res.body.text()).rejects.toThrow()
    await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'backend_error' })
  })
})

describe('a client that goes away aborts the backend request', () => {
  test('in the middle of a stream', async () => {
    let backendClosed: Promise<unknown> = Promise.resolve()
    const gw = await setup((req, res) => {
      backendClosed = once(res, 'close').then(() => res.writableFinished)
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      res.write('{"n":1}\n')
    })
    const ac = new AbortController()
    const res = await request(`${gw.url}/api/chat`, {
      method: 'POST',
      body: '{}',
      signal: ac.signal,
    })
    await res.body[Symbol.asyncIterator]().next()
    ac.abort()
    await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'client_aborted' })
    await expect(backendClosed).resolves.toBe(false)
  })

  test('before the backend sent its headers', async () => {
    const arrived: Array<Promise<unknown>> = []
    const gw = await setup((_req, res) => arrived.push(once(res, 'close')))
    const ac = new AbortController()
    const pending = request(`${gw.url}/api/chat`, { method: 'POST', body: '{}', signal: ac.signal })
    await eventually(() => expect(arrived).toHaveLength(1))
    ac.abort()
    await expect(pending).rejects.toThrow()
    await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'client_aborted' })
    await arrived[0]
  })

  test('while its body is still being streamed to the backend', async () => {
    let backendGot = 0
    let backendClosed!: Promise<unknown>
    const gw = await setup(
      (req, res) => {
        backendClosed = once(res, 'close')
        req.on('data', (d: Buffer) => (backendGot += d.length))
      },
      { streamBody: true },
    )
    const client = net.connect(gw.port, '127.0.0.1')
    client.write('POST /api/blobs/x HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n')
    client.write('4\r\nabcd\r\n')
    await eventually(() => expect(backendGot).toBe(4))
    client.destroy()
    await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'client_aborted' })
    await backendClosed
  })

  test('abort() before the request was sent keeps it from the backend; a second abort() is a no-op', async () => {
    let requests = 0
    const gw = await setup(
      (_req, res) => {
        requests += 1
        res.end()
      },
      { abortAtOnce: true },
    )
    const res = await request(gw.url)
    expect(res.statusCode).toBe(502)
    await res.body.dump()
    await expect(gw.seen[0]!.settled).resolves.toEqual({ outcome: 'client_aborted' })
    await sleep(100)
    expect(requests).toBe(0)
  })
})

describe('failures before the head reject done, with nothing written', () => {
  test('a refused connection rejects with ECONNREFUSED, and may be retried', async () => {
    const { server, port } = await listen(() => {})
    server.close()
    await once(server, 'close')
    const gw = await setup({ origin: `http://127.0.0.1:${port}` })
    const res = await request(gw.url)
    expect(res.statusCode).toBe(502)
    await res.body.dump()
    const s = (await gw.seen[0]!.settled) as Extract<Settled, { error: unknown }>
    expect(s.error.code).toBe('ECONNREFUSED')
    expect(s.headersSentAtReject).toBe(false)
    expect(classifyUpstreamError(s.error).retryable).toBe(true)
    expect(gw.seen[0]!.statuses).toEqual([])
  })

  test('a backend silent past the headers timeout rejects with UND_ERR_HEADERS_TIMEOUT', async () => {
    const gw = await setup(() => {}, { headersTimeoutMs: 150 })
    const res = await request(gw.url)
    expect(res.statusCode).toBe(502)
    await res.body.dump()
    const s = (await gw.seen[0]!.settled) as Extract<Settled, { error: unknown }>
    expect(s.error.code).toBe('UND_ERR_HEADERS_TIMEOUT')
    expect(s.headersSentAtReject).toBe(false)
    expect(classifyUpstreamError(s.error).code).toBe('CORRAL_ERR_BACKEND_TIMEOUT')
  })
})
