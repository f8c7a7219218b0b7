// config.json: hand edits are picked up live, a reload under traffic drops
// nothing, and a bad or truncated file never loses a key or a setting.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { eventually, startTestGateway, tempDataDir, type TestGateway } from '../support/gateway.js'
import { ConfigStore } from '../../gateway/config/store.js'
import { createKey } from '../../gateway/auth/manage.js'
import { createLogger } from '../../gateway/util/logger.js'
import type { Config } from '../../gateway/config/schema.js'

let gw: TestGateway
const configFile = () => path.join(gw.dataDir, 'config.json')
const readConfig = () => JSON.parse(fs.readFileSync(configFile(), 'utf8')) as Config

beforeAll(async () => {
  gw = await startTestGateway({
    backends: [{ frames: 3, frameIntervalMs: 5 }],
    start: { watchConfig: true },
    // 200 requests at once from one key: room for all of them in the fair queue (its
    // per-key bound, 64 by default, is not what this file tests).
    config: (c) => void (c.queue.maxQueuedPerKey = 1000),
  })
})
afterAll(() => gw.close())

async function chat(key: string) {
  const res = await request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: key },
    body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }),
  })
  const text = await res.body.text()
  return { status: res.statusCode, text }
}

test('a hand edit of config.json applies without a restart', async () => {
  const c = readConfig()
  c.keys.find((k) => k.id === gw.keyId)!.models = ['qwen2.5:*']
  fs.writeFileSync(configFile(), JSON.stringify(c, null, 2))
  await eventually(async () => expect((await chat(gw.key)).status).toBe(403))
  c.keys.find((k) => k.id === gw.keyId)!.models = []
  fs.writeFileSync(configFile(), JSON.stringify(c, null, 2))
  await eventually(async () => expect((await chat(gw.key)).status).toBe(200))
})

test('reloading again and again under traffic fails no request', async () => {
  let reloads = 0
  let stop = false
  const reloader = (async () => {
    while (!stop) {
      const res = await gw.control<{ ok: boolean }>('POST', '/control/config/reload')
      expect(res.status).toBe(200)
      const c = readConfig()
      c.limits.defaults.windowSeconds = 60 + (reloads % 5)
      fs.writeFileSync(configFile(), JSON.stringify(c, null, 2))
      reloads += 1
      await new Promise((r) => setTimeout(r, 10))
    }
  })()
  const results = await Promise.all(Array.from({ length: 200 }, () => chat(gw.key)))
  stop = true
  await reloader
  expect(reloads).toBeGreaterThan(3)
  expect(results.filter((r) => r.status !== 200 || !r.text.includes('"done":true'))).toEqual([])
})

test('a truncated config.json keeps the running config and says why', async () => {
  const before = fs.readFileSync(configFile(), 'utf8')
  fs.writeFileSync(configFile(), before.slice(0, before.length / 2))
  const res = await gw.control<{ error: string }>('POST', '/control/config/reload')
  expect(res.status).toBe(400)
  expect(res.body.error).toMatch(/not valid JSON.*truncated/)
  expect((await chat(gw.key)).status).toBe(200)
  fs.writeFileSync(configFile(), before)
})

describe('starting from a damaged data dir loses nothing', () => {
  test('a truncated config.json: the last good copy is used and the damaged file is kept aside', async () => {
    const dir = tempDataDir()
    const logs: string[] = []
    const logger = createLogger({ write: (l) => logs.push(l) })
    const store = ConfigStore.open(dir, { logger })
    const { key, record } = await createKey((m) => store.update(m), { name: 'keeper' })
    await store.update((c) => void (c.server.port = 12_345))
    store.close()

    const file = path.join(dir, 'config.json')
    const good = fs.readFileSync(file, 'utf8')
    fs.writeFileSync(file, good.slice(0, 100))

    const reopened = ConfigStore.open(dir, { logger })
    expect(reopened.current.keys.map((k) => k.id)).toEqual([record.id])
    expect(reopened.current.server.port).toBe(12_345)
    expect(logs.join('')).toMatch(/not valid JSON/)
    expect(fs.readdirSync(dir).some((f) => f.startsWith('config.json.broken-'))).toBe(true)
    expect(key).toMatch(/^crl_/)
    reopened.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('a crash between writing the temp file and renaming it leaves the old config whole', async () => {
    const dir = tempDataDir()
    const store = ConfigStore.open(dir)
    await createKey((m) => store.update(m), { name: 'survivor' })
    store.close()
    // What a crash mid-save leaves: a half-written temp file beside an intact config.json.
    fs.writeFileSync(path.join(dir, '.config.json.abc123.tmp'), '{"version":1,"keys":[{"trunc')
    const reopened = ConfigStore.open(dir)
    expect(reopened.current.keys.map((k) => k.name)).toEqual(['survivor'])
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    reopened.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
})
