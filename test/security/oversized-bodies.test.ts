// A body over `server.bodyLimitBytes` gets 413 with its error body, and clients that are
// still sending read it: the gateway discards the rest (up to a bound) instead of closing
// the connection under them (a reset, which undici reports as "fetch failed").
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import net from 'node:net'
import { promisify } from 'node:util'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

const LIMIT = 1024 * 1024
const TOO_BIG = 8 * LIMIT
const ERROR = { error: `request body is too large (limit ${LIMIT} bytes)` }

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.bodyLimitBytes = LIMIT
    },
  })
})
afterAll(() => gw.close())

/** A JSON body of about `size` bytes. */
const bigBody = (size: number) =>
  JSON.stringify({ model: 'llama3.2', prompt: 'x'.repeat(size), stream: false })

test('Node’s fetch sending a body over the limit reads the 413 and its error', async () => {
  const res = await fetch(`${gw.url}/api/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body: bigBody(TOO_BIG),
  })
  expect(res.status).toBe(413)
  expect(await res.json()).toEqual(ERROR)
})

test('Node’s fetch streaming a chunked body past the limit reads the 413', async () => {
  const piece = new TextEncoder().encode('x'.repeat(64 * 1024))
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"model":"llama3.2","prompt":"'))
      if (sent >= TOO_BIG) return controller.close()
      sent += piece.length
      controller.enqueue(piece)
    },
  })
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit)
  expect(res.status).toBe(413)
  expect(await res.json()).toEqual({
    error: {
      message: ERROR.error,
      type: 'invalid_request_error',
      param: null,
      code: 'corral_err_too_large',
    },
  })
})

test('a raw socket that writes its whole oversized body before reading gets the 413', async () => {
  const port = Number(new URL(gw.url).port)
  const body = Buffer.from(bigBody(TOO_BIG))
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    let text = ''
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
    socket.on('error', (err) =>
      reject(new Error(`${err.message} after reading ${text.length} bytes`)),
    )
    socket.on('close', () => resolve(text))
    socket.on('connect', () => {
      socket.write(
        `POST /api/chat HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${gw.key}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      )
      socket.end(body)
    })
  })
  expect(answer).toMatch(/^HTTP\/1\.1 413 /)
  expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual(ERROR)
})

/** Python's requests library, if this machine has it (it sends the whole body, then reads). */
const hasPythonRequests = await promisify(execFile)('python3', ['-c', 'import requests'])
  .then(() => true)
  .catch(() => false)

test.skipIf(!hasPythonRequests)(
  'Python’s requests and curl read the 413 and its error',
  async () => {
    const script = [
      'import requests, sys',
      // No proxy from the environment: loopback only.
      's = requests.Session()',
      's.trust_env = False',
      `r = s.post(sys.argv[1], data=b"x" * ${TOO_BIG}, headers={"Authorization": "Bearer " + sys.argv[2]})`,
      'print(r.status_code, r.text)',
    ].join('\n')
    const py = await promisify(execFile)('python3', ['-c', script, `${gw.url}/api/chat`, gw.key])
    expect(py.stdout.trim()).toBe(`413 ${JSON.stringify(ERROR)}`)
    const file = path.join(os.tmpdir(), `corral-413-${process.pid}.bin`)
    fs.writeFileSync(file, Buffer.alloc(TOO_BIG, 'x'))
    try {
      const curl = await promisify(execFile)('curl', [
        '-s',
        '--noproxy',
        '*',
        '-w',
        ' %{http_code}',
        '-H',
        `Authorization: Bearer ${gw.key}`,
        '--data-binary',
        `@${file}`,
        `${gw.url}/api/chat`,
      ])
      expect(curl.stdout).toBe(`${JSON.stringify(ERROR)} 413`)
    } finally {
      fs.rmSync(file, { force: true })
    }
  },
)

test('a client that never stops sending is cut once the gateway has discarded its bound', async () => {
  const port = Number(new URL(gw.url).port)
  const socket = net.connect({ host: '127.0.0.1', port })
  let text = ''
  let written = 0
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
  socket.on('error', () => {})
  const closed = new Promise<void>((r) => socket.on('close', () => r()))
  await new Promise<void>((r) => socket.on('connect', () => r()))
  socket.write(
    `POST /api/chat HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer ${gw.key}\r\nTransfer-Encoding: chunked\r\n\r\n`,
  )
  const chunk = Buffer.from(`10000\r\n${'x'.repeat(0x10000)}\r\n`)
  const pump = () => {
    while (!socket.destroyed && written < 1024 * LIMIT) {
      written += chunk.length
      if (!socket.write(chunk)) return void socket.once('drain', pump)
    }
  }
  pump()
  await closed
  expect(text).toMatch(/^HTTP\/1\.1 413 /)
  // Far less than a client could send: the discard is bounded.
  expect(written).toBeLessThan(256 * LIMIT)
})
