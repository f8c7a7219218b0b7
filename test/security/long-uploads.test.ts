// Long transfers are timed by progress, not by a deadline: an upload that keeps coming
// at a steady rate runs past `requestTimeoutMs` and succeeds; one that stalls is cut at
// `bodyIdleTimeoutMs`, and one that trickles below `bodyMinBytesPerSecond` is cut too,
// each with a 408 and a code the client can read.
import crypto from 'node:crypto'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

/** The old whole-request deadline, made short so the test runs in seconds. */
const REQUEST_TIMEOUT_MS = 1000
const IDLE_TIMEOUT_MS = 1000
const SLACK_MS = 1000

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway({
    key: { scopes: ['inference', 'models'] },
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.requestTimeoutMs = REQUEST_TIMEOUT_MS
      c.server.bodyIdleTimeoutMs = IDLE_TIMEOUT_MS
      c.server.bodyMinBytesPerSecond = 16 * 1024
    },
  })
})
afterAll(() => gw.close())

/** A body written `chunkBytes` at a time every `everyMs`, `chunks` times; then it stalls or ends. */
function throttled(data: Buffer, chunkBytes: number, everyMs: number, stallAfter = Infinity) {
  let offset = 0
  let sent = 0
  return new Readable({
    read() {
      if (sent >= stallAfter) return // never pushes again: a stalled upload
      setTimeout(() => {
        const piece = data.subarray(offset, offset + chunkBytes)
        offset += piece.length
        sent += 1
        this.push(piece.length > 0 ? piece : null)
      }, everyMs)
    },
  })
}

const upload = (data: Buffer, body: Readable) =>
  request(`${gw.url}/api/blobs/sha256:${crypto.createHash('sha256').update(data).digest('hex')}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-length': String(data.length) },
    body,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  })

test('a blob upload at a steady 320 KiB/s for 3 s (3× the old deadline) succeeds', async () => {
  const data = crypto.randomBytes(30 * 32 * 1024)
  const started = Date.now()
  const res = await upload(data, throttled(data, 32 * 1024, 100))
  expect(res.statusCode).toBe(201)
  await res.body.dump()
  expect(Date.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS * 2.5)
  const digest = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`
  const head = await request(`${gw.url}/api/blobs/${digest}`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${gw.key}` },
  })
  expect(head.statusCode).toBe(200)
})

test('an upload that stalls is cut at the idle timeout with 408 CORRAL_ERR_BODY_IDLE', async () => {
  const data = crypto.randomBytes(20 * 32 * 1024)
  let stalledAt = 0
  const body = throttled(data, 32 * 1024, 50, 5)
  body.on('data', () => (stalledAt = Date.now()))
  const res = await upload(data, body).catch((err: Error) => err)
  if (res instanceof Error) throw res
  expect(res.statusCode).toBe(408)
  expect(await res.body.json()).toEqual({
    error: 'the request body stalled: nothing arrived for 1 s',
  })
  const cutAfter = Date.now() - stalledAt
  expect(cutAfter).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 100)
  expect(cutAfter).toBeLessThan(IDLE_TIMEOUT_MS + SLACK_MS)
  body.destroy()
  // The backend's half-sent upload was dropped, not stored.
  const digest = `sha256:${crypto.createHash('sha256').update(data).digest('hex')}`
  const head = await request(`${gw.url}/api/blobs/${digest}`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${gw.key}` },
  })
  expect(head.statusCode).toBe(404)
})

test('an upload that trickles below the floor is cut once the request timeout has passed', async () => {
  const data = crypto.randomBytes(64 * 1024)
  const body = throttled(data, 512, 100) // 5 KiB/s, under the 16 KiB/s floor
  const started = Date.now()
  const res = await upload(data, body)
  expect(res.statusCode).toBe(408)
  expect(await res.body.json()).toEqual({
    error: 'the request body arrived too slowly: slower than 16384 bytes/s after 1 s',
  })
  expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS)
  body.destroy()
})
