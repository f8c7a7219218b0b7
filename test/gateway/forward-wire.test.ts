// The relay on the wire: a backend written byte by byte on a raw socket, the client's
// bytes read raw too, so what is checked is exactly what crosses each connection — a
// stream passed on as the backend framed it, connections reused, a stale keep-alive
// connection retried, a stream cut inside a chunk.
import http, { type IncomingMessage, type ServerResponse } from 'node:http'
import https from 'node:https'
import net, { type AddressInfo, type Socket } from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, test } from 'vitest'
import { request } from 'undici'
import {
  proxyUpstream,
  UpstreamPool,
  type RelayOutcome,
  type UpstreamRequest,
} from '../../gateway/proxy/forward.js'
import { makeCertificate } from '../tls/support.js'

const closers: Array<() => void> = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

/** A backend on a raw socket: `onRequest` gets the socket once per request head read. */
async function rawBackend(onRequest: (socket: Socket, n: number) => void) {
  let requests = 0
  let connections = 0
  const server = net.createServer((socket) => {
    connections++
    let buf = ''
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1')
      while (buf.includes('\r\n\r\n')) {
        buf = buf.slice(buf.indexOf('\r\n\r\n') + 4)
        onRequest(socket, ++requests)
      }
    })
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => server.close())
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
  }
}

/** A gateway whose only job is proxyUpstream(); records what the tap saw and each outcome. */
async function gateway(origin: string, pool = new UpstreamPool()) {
  const tapped: string[] = []
  const outcomes: Array<Promise<RelayOutcome>> = []
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on('end', () => {
      const call: UpstreamRequest = {
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        stripHeaders: [],
        body: null,
        headersTimeoutMs: 5000,
        idleTimeoutMs: 5000,
      }
      let body = ''
      const ex = proxyUpstream(pool, { origin, key: null }, call, res, {
        dialect: 'ollama',
        onChunk: (buf, start, end) => (body += buf.toString('latin1', start, end)),
      })
      const outcome = ex.done.finally(() => tapped.push(body))
      outcome.catch(() => {}) // a test that expects a rejection awaits it later
      outcomes.push(outcome)
      ex.done.catch(() => res.writeHead(502).end())
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => {
    server.closeAllConnections()
    server.close()
    pool.close()
  })
  /** Writes each client socket handed to the kernel (Writable's _write and _writev calls). */
  const writes: number[] = []
  server.on('connection', (socket: Socket & { _write: Fn; _writev?: Fn }) => {
    const at = writes.push(0) - 1
    for (const name of ['_write', '_writev'] as const) {
      const original = socket[name]
      if (original === undefined) continue
      socket[name] = function (this: Socket, ...args: unknown[]) {
        writes[at]!++
        return original.apply(this, args)
      }
    }
  })
  return { port: (server.address() as AddressInfo).port, tapped, outcomes, writes }
}
type Fn = (...args: unknown[]) => unknown

const STREAM_HEAD =
  'HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n'
const FRAMES = ['{"n":1}\n', '{"n":2}\n', '{"done":true}\n']
const chunked = (ext = '') =>
  FRAMES.map((f) => `${f.length.toString(16)}${ext}\r\n${f}\r\n`).join('') + '0\r\n\r\n'

/** Writes `text` one byte per turn of the event loop. */
async function byteByByte(socket: Socket, text: string): Promise<void> {
  for (const ch of text) {
    socket.write(ch, 'latin1')
    await new Promise((r) => setImmediate(r))
  }
}

/** Sends raw requests on one connection; resolves with everything read until `until` holds. */
async function rawClient(port: number, requests: string, until: (text: string) => boolean) {
  const socket = net.connect(port, '127.0.0.1')
  closers.push(() => socket.destroy())
  socket.write(requests)
  let text = ''
  for await (const d of socket) {
    text += (d as Buffer).toString('latin1')
    if (until(text)) break
  }
  return text
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`
const ends = (n: number) => (text: string) => text.split('0\r\n\r\n').length > n

test('a stream written one byte at a time reaches the client whole; the tap sees its body, unframed', async () => {
  const backend = await rawBackend((s) => void byteByByte(s, STREAM_HEAD + chunked(';x=1')))
  const gw = await gateway(backend.origin)
  const res = await request(`http://127.0.0.1:${gw.port}/api/chat`)
  expect(await res.body.text()).toBe(FRAMES.join(''))
  await expect(gw.outcomes[0]).resolves.toBe('done')
  expect(gw.tapped).toEqual([FRAMES.join('')])
})

test("a stream's chunks reach the client as the backend framed them, extensions and all", async () => {
  const backend = await rawBackend((s) => s.write(STREAM_HEAD + chunked(';x=1')))
  const gw = await gateway(backend.origin)
  const text = await rawClient(gw.port, GET('/api/chat'), ends(1))
  expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe(chunked(';x=1'))
  expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
  expect(text.toLowerCase()).toContain('transfer-encoding: chunked')
})

test("a stream's head goes out with its first frame, and its last frame with the last chunk: one write each", async () => {
  const frame = (f: string) => `${f.length.toString(16)}\r\n${f}\r\n`
  const backend = await rawBackend((s) => {
    // Three reads: the head with the first frame, a frame, the last frame with the last chunk.
    s.write(STREAM_HEAD + frame(FRAMES[0]!))
    setTimeout(() => s.write(frame(FRAMES[1]!)), 50)
    setTimeout(() => s.write(frame(FRAMES[2]!) + '0\r\n\r\n'), 100)
  })
  const gw = await gateway(backend.origin)
  const text = await rawClient(gw.port, GET('/api/chat'), ends(1))
  expect(text.slice(text.indexOf('\r\n\r\n') + 4)).toBe(chunked())
  expect(gw.writes).toEqual([3])
})

test('streams one after another share one client connection and one backend connection', async () => {
  const backend = await rawBackend((s) => s.write(STREAM_HEAD + chunked()))
  const gw = await gateway(backend.origin)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  closers.push(() => agent.destroy())
  for (let i = 0; i < 3; i++) {
    const res = await new Promise<IncomingMessage>((resolve) =>
      http.get({ port: gw.port, host: '127.0.0.1', path: '/api/chat', agent }, resolve),
    )
    let body = ''
    for await (const d of res) body += String(d)
    expect(body).toBe(FRAMES.join(''))
  }
  expect(backend.connections()).toBe(1)
})

test('pipelined requests on one connection get their streams whole and in order', async () => {
  const backend = await rawBackend((s, n) =>
    s.write(STREAM_HEAD + `5\r\nreq${n}\n\r\n` + chunked()),
  )
  const gw = await gateway(backend.origin)
  const text = await rawClient(gw.port, GET('/a') + GET('/b'), ends(2))
  const bodies = text.split(/HTTP\/1\.1 200 OK\r\n/).slice(1)
  expect(bodies).toHaveLength(2)
  for (const b of bodies) expect(b).toContain(FRAMES[2]!.trim())
  expect(bodies[0]).toMatch(/req\d\n/)
  expect(await Promise.all(gw.outcomes)).toEqual(['done', 'done'])
})

test('a kept-alive backend connection closed as it is reused: the request goes again on a new one', async () => {
  const backend = await rawBackend((s, n) => {
    if (n === 2) return void s.destroy() // the backend had dropped the idle connection
    s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok')
  })
  const gw = await gateway(backend.origin)
  for (let i = 0; i < 2; i++) {
    const res = await request(`http://127.0.0.1:${gw.port}/api/tags`)
    expect(res.statusCode).toBe(200)
    expect(await res.body.text()).toBe('ok')
  }
  expect(backend.connections()).toBe(2)
})

test('a stream cut inside a chunk is a cut for the client, never a corrupted frame', async () => {
  const backend = await rawBackend((s) => {
    s.write(STREAM_HEAD + '8\r\n{"n":1}\n\r\n' + '20\r\n{"par', () =>
      setTimeout(() => s.destroy(), 20),
    )
  })
  const gw = await gateway(backend.origin)
  const res = await request(`http://127.0.0.1:${gw.port}/api/chat`)
  await expect(res.body.text()).rejects.toThrow()
  await expect(gw.outcomes[0]).resolves.toBe('backend_error')
})

test('a HEAD request relays the length and no body; the connection stays usable', async () => {
  const backend = await rawBackend((s) =>
    s.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 42\r\n\r\n'),
  )
  const gw = await gateway(backend.origin)
  const res = await request(`http://127.0.0.1:${gw.port}/`, { method: 'HEAD' })
  expect(res.headers['content-length']).toBe('42')
  expect(await res.body.text()).toBe('')
  await expect(gw.outcomes[0]).resolves.toBe('done')
})

describe('an https backend', () => {
  async function httpsBackend() {
    const pair = await makeCertificate()
    const server = https.createServer(pair, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      for (const f of FRAMES) res.write(f)
      res.end()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    closers.push(() => server.close())
    return { origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, pair }
  }

  test('whose certificate is trusted: the stream is relayed over TLS', async () => {
    const backend = await httpsBackend()
    const gw = await gateway(backend.origin, new UpstreamPool({ tls: { ca: backend.pair.cert } }))
    const res = await request(`http://127.0.0.1:${gw.port}/api/chat`)
    expect(await res.body.text()).toBe(FRAMES.join(''))
    await expect(gw.outcomes[0]).resolves.toBe('done')
  })

  test('whose certificate is not trusted: refused before anything is sent', async () => {
    const backend = await httpsBackend()
    const gw = await gateway(backend.origin)
    const res = await request(`http://127.0.0.1:${gw.port}/api/chat`)
    expect(res.statusCode).toBe(502)
    await res.body.dump()
    await expect(gw.outcomes[0]).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  })
})

test('a stalled client pauses a stream passed on framed: the backend stops writing, nothing piles up', async () => {
  const TOTAL = 50 * 1024 * 1024
  const FRAME = `${JSON.stringify({ content: 'x'.repeat(64 * 1024 - 16) })}\n`
  let written = 0
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    const pump = () => {
      while (written < TOTAL) {
        written += FRAME.length
        if (!res.write(FRAME)) return void res.once('drain', pump)
      }
      res.end()
    }
    pump()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => {
    server.closeAllConnections()
    server.close()
  })
  const gw = await gateway(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  const client = net.connect(gw.port, '127.0.0.1')
  closers.push(() => client.destroy())
  let received = 0
  client.on('data', (d: Buffer) => (received += d.length))
  client.write('GET /api/chat HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')
  await once(client, 'data')
  client.pause()
  let before = -1
  while (written !== before) {
    before = written
    await new Promise((r) => setTimeout(r, 150))
  }
  expect(written).toBeLessThan(TOTAL / 2)
  client.resume()
  await once(client, 'end')
  expect(received).toBeGreaterThan(TOTAL)
  await expect(gw.outcomes[0]).resolves.toBe('done')
  expect(gw.tapped[0]!.length).toBe(written)
})

test('streams read into one shared buffer: each client gets its own bytes, stalled readers among fast ones', async () => {
  // Plain backend connections read into one reused buffer (upstream-pool.ts, ReadBuffer):
  // a write that kept a view of it while a later read overwrote it would hand one client
  // another's bytes. Stalled readers make such writes (their sockets fill up) while other
  // streams keep reading; every byte each client gets is checked.
  const SLOW = [0, 1]
  const FAST = [2, 3, 4, 5, 6, 7]
  const framesOf = (s: number) => (SLOW.includes(s) ? 800 : 40)
  const frame = (s: number, n: number) =>
    `${JSON.stringify({ s, n, pad: String.fromCharCode(97 + ((s * 7 + n) % 26)).repeat(1000 + ((s * 3571 + n * 977) % 40_000)) })}\n`
  const expected = (s: number) =>
    Array.from({ length: framesOf(s) }, (_, n) => frame(s, n)).join('')
  const server = http.createServer((req, res) => {
    const s = Number(req.url!.slice(1))
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    let n = 0
    const pump = () => {
      while (n < framesOf(s)) {
        if (!res.write(frame(s, n++))) return void res.once('drain', pump)
      }
      res.end()
    }
    pump()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => {
    server.closeAllConnections()
    server.close()
  })
  const gw = await gateway(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  const read = async (s: number, start: Promise<unknown>) => {
    const res = await request(`http://127.0.0.1:${gw.port}/${s}`)
    await start
    const parts: Buffer[] = []
    for await (const chunk of res.body) parts.push(chunk as Buffer)
    return Buffer.concat(parts).toString('latin1')
  }
  // The stalled readers' answers fill their sockets before the others start.
  let go!: (v: unknown) => void
  const slowGo = new Promise((r) => (go = r))
  const slow = SLOW.map((s) => read(s, slowGo))
  await new Promise((r) => setTimeout(r, 300))
  const fast = await Promise.all(FAST.map((s) => read(s, Promise.resolve())))
  go(null)
  const bodies = [...(await Promise.all(slow)), ...fast]
  ;[...SLOW, ...FAST].forEach((s, i) => expect(bodies[i] === expected(s), `stream ${s}`).toBe(true))
  expect(await Promise.all(gw.outcomes)).toEqual(Array(8).fill('done'))
  expect(gw.tapped.map((t) => t.length).sort()).toEqual(
    [...SLOW, ...FAST].map((s) => expected(s).length).sort(),
  )
})

test('a stalled client of a stream of small frames gets every byte as sent', async () => {
  // A write to a client whose socket is full takes some bytes and keeps the rest, a view of
  // the backend socket's read buffer, while the backend goes on sending frames smaller than
  // the client's high-water mark (so the backend is not paused yet): those reads must go to
  // another buffer than the one the pending write still holds.
  const FRAMES = 3000
  const frame = (n: number) =>
    `${JSON.stringify({ n, pad: String.fromCharCode(97 + (n % 26)).repeat(2000 + ((n * 977) % 3000)) })}\n`
  const all = Array.from({ length: FRAMES }, (_, n) => frame(n)).join('')
  let sent = 0
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' })
    const pump = () => {
      if (sent === FRAMES) return void res.end()
      // One frame per turn of the loop: the gateway reads them one by one.
      if (res.write(frame(sent++))) setImmediate(pump)
      else res.once('drain', pump)
    }
    pump()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => {
    server.closeAllConnections()
    server.close()
  })
  const gw = await gateway(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  const client = net.connect(gw.port, '127.0.0.1')
  closers.push(() => client.destroy())
  const parts: Buffer[] = []
  client.on('data', (d: Buffer) => parts.push(d))
  client.write('GET /api/chat HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')
  await once(client, 'data')
  client.pause()
  let before = -1
  while (sent !== before) {
    before = sent
    await new Promise((r) => setTimeout(r, 200))
  }
  client.resume()
  await once(client, 'end')
  const text = Buffer.concat(parts).toString('latin1')
  const body = text.slice(text.indexOf('\r\n\r\n') + 4)
  // Dechunked by hand: the bytes exactly as the client received them.
  let out = ''
  for (let i = 0; ;) {
    const eol = body.indexOf('\r\n', i)
    const size = parseInt(body.slice(i, eol), 16)
    if (size === 0) break
    out += body.slice(eol + 2, eol + 2 + size)
    expect(body.slice(eol + 2 + size, eol + 4 + size)).toBe('\r\n')
    i = eol + 4 + size
  }
  expect(out.length).toBe(all.length)
  expect(out === all).toBe(true)
  await expect(gw.outcomes[0]).resolves.toBe('done')
})

test('a pipelined answer waiting its turn is kept whole, though its backend socket reads on', async () => {
  // The second answer is written through ServerResponse, which holds it until the first is
  // done; meanwhile its backend connection goes on reading into its buffer.
  // Pieces that stay under ServerResponse's high-water mark: the backend is not paused.
  const BIG = Array.from({ length: 12 }, (_, n) => `${n}:${'xyz'[n % 3]!.repeat(900)}`).join('\n')
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' })
      res.write('{"n":1}\n')
      setTimeout(() => res.end('{"done":true}\n'), 300)
      return
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BIG.length })
    let at = 0
    const pump = () => {
      if (at >= BIG.length) return
      res.write(BIG.slice(at, (at += 1000)))
      setTimeout(pump, 5)
    }
    pump()
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  closers.push(() => {
    server.closeAllConnections()
    server.close()
  })
  const gw = await gateway(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  const text = await rawClient(gw.port, GET('/slow') + GET('/big'), (t) => t.endsWith(BIG))
  expect(text.slice(text.lastIndexOf('\r\n\r\n') + 4)).toBe(BIG)
  expect(await Promise.all(gw.outcomes)).toEqual(['done', 'done'])
})
