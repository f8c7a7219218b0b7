// 2,000 connections that say nothing (or half a request head) do not stop the
// gateway from serving everyone else, quickly.
import { execFileSync } from 'node:child_process'
import type { Socket } from 'node:net'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { openSocket, type SlowClient } from '../support/raw-http.js'

const IDLE = 2000
/** Both ends of each connection live in this process. */
const FDS_NEEDED = IDLE * 2 + 500
const fdLimit = Number(execFileSync('sh', ['-c', 'ulimit -n']).toString().trim()) || 0

let gw: TestGateway
const idle: SlowClient[] = []

beforeAll(async () => {
  if (fdLimit < FDS_NEEDED) {
    console.warn(
      `idle-connections: skipped, ulimit -n is ${fdLimit}, ${FDS_NEEDED} descriptors are needed`,
    )
    return
  }
  gw = await startTestGateway({ config: (c) => void (c.balancer.healthIntervalMs = 600_000) })
})
afterAll(async () => {
  for (const c of idle) c.destroy()
  await gw?.close()
})

test.skipIf(fdLimit < FDS_NEEDED)(
  `${IDLE} idle and half-open connections do not stop service to others`,
  async () => {
    const port = Number(new URL(gw.url).port)
    const server = gw.running.gateway()!.server
    const open = new Set<Socket>()
    server.on('connection', (s: Socket) => {
      open.add(s)
      s.on('close', () => open.delete(s))
    })
    for (let i = 0; i < IDLE; i += 500) {
      const batch = await Promise.all(Array.from({ length: 500 }, () => openSocket(port)))
      // Half of them start a request head and stop there; the rest never say a word.
      batch.forEach(
        (c, j) => j % 2 === 0 && c.write('POST /api/chat HTTP/1.1\r\nHost: gateway\r\n'),
      )
      idle.push(...batch)
    }
    await expect.poll(() => open.size, { timeout: 5000 }).toBeGreaterThanOrEqual(IDLE)

    const started = Date.now()
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const t0 = Date.now()
        const res = await request(`${gw.url}/api/chat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${gw.key}` },
          body: JSON.stringify({
            model: 'llama3.2',
            messages: [{ role: 'user', content: `hi ${i}` }],
          }),
        })
        const text = await res.body.text()
        return {
          status: res.statusCode,
          ms: Date.now() - t0,
          frames: text.trim().split('\n').length,
        }
      }),
    )
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(results.every((r) => r.frames >= 2)).toBe(true)
    expect(Date.now() - started, JSON.stringify(results.map((r) => r.ms))).toBeLessThan(5000)
    // The idle ones are still there: nobody was served by dropping someone else.
    expect(idle.filter((c) => c.socket.destroyed)).toHaveLength(0)
  },
)
