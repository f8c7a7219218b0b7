// Issue 25, unbounded client strings: five requests with a 5 MB `model` grew corral.db from
// 49 KB to 75 MB, and the stats API served the text back. Every client string is now bounded
// before it is recorded (gateway/untrusted/bounds.ts): a model outside Ollama's name grammar
// is recorded as "(invalid name)", a user agent and a path are cut with "…".
import fs from 'node:fs'
import path from 'node:path'
import { request } from 'undici'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'
import { INVALID_MODEL_NAME } from '../../gateway/untrusted/model-name.js'
import { PATH_MAX_CHARS } from '../../gateway/untrusted/bounds.js'

const FIVE_MB = 5 * 1024 * 1024
let gw: TestGateway
let limited: string

beforeAll(async () => {
  gw = await startTestGateway({
    config: (c) => {
      c.balancer.healthIntervalMs = 600_000
      c.server.bodyLimitBytes = 16 * 1024 * 1024
    },
  })
  limited = (await gw.newKey({ name: 'limited', models: ['llama3.2'] })).key
})
afterAll(() => gw.close())

function dbBytes(): number {
  let total = 0
  for (const suffix of ['', '-wal', '-shm']) {
    const file = path.join(gw.dataDir, `corral.db${suffix}`)
    if (fs.existsSync(file)) total += fs.statSync(file).size
  }
  return total
}

interface Recent {
  model: string | null
  path: string
  keyName: string | null
}

test('five requests with 5 MB model strings leave corral.db small and the stats API bounded', async () => {
  const before = dbBytes()
  const huge = (i: number) => `m${i}` + 'A'.repeat(FIVE_MB)
  const sends = [
    // Allowed key: Ollama paths and the OpenAI path (the backend refuses the name).
    ['/api/chat', gw.key, { model: huge(1), messages: [], stream: false }],
    ['/api/generate', gw.key, { model: huge(2), prompt: 'hi', stream: false }],
    ['/v1/chat/completions', gw.key, { model: huge(3), messages: [] }],
    // A key limited to other models: refused before any backend, recorded all the same.
    ['/api/chat', limited, { model: huge(4), messages: [] }],
    ['/api/embed', limited, { model: huge(5), input: 'x' }],
  ] as const
  for (const [p, key, body] of sends) {
    const res = await request(gw.url + p, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    await res.body.dump()
  }
  const recent = await eventually(async () => {
    const { body } = await gw.control<Recent[]>('GET', '/control/stats/recent?limit=20')
    expect(body.length).toBeGreaterThanOrEqual(5)
    return body
  })
  const text = JSON.stringify(recent)
  expect(text.length).toBeLessThan(20_000)
  expect(recent.slice(0, 5).map((r) => r.model)).toEqual(Array(5).fill(INVALID_MODEL_NAME))
  const byModel = await gw.control<{ breakdown: Array<{ label: string }> }>(
    'GET',
    '/control/stats/summary?since=1h&by=model',
  )
  expect(JSON.stringify(byModel.body).length).toBeLessThan(20_000)
  // Stored: wait for the writer, then measure the files (data + WAL).
  await eventually(() => {
    const count = gw.running.corral.stats.store!.totals({ since: 0, until: Date.now() + 1000 })
    expect(count.requests).toBeGreaterThanOrEqual(5)
  })
  const grown = dbBytes() - before
  console.log(`corral.db (+wal/shm) grew by ${grown} bytes for five 5 MB model strings`)
  expect(grown).toBeLessThan(512 * 1024)
})

test('a long path is recorded cut to its bound', async () => {
  const longPath = '/api/' + 'p'.repeat(8000)
  const res = await request(gw.url + longPath, {
    headers: { authorization: `Bearer ${gw.key}` },
  })
  await res.body.dump()
  const recent = await eventually(async () => {
    const { body } = await gw.control<Recent[]>('GET', '/control/stats/recent?limit=5')
    const hit = body.find((r) => r.path.startsWith('/api/ppp'))
    expect(hit).toBeDefined()
    return hit!
  })
  expect(recent.path.length).toBeLessThanOrEqual(PATH_MAX_CHARS)
  expect(recent.path.endsWith('…')).toBe(true)
})
