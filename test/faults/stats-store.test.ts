// A stats database that cannot be opened at start (a directory in its place here; a
// full or read-only disk in the field) costs the history only until it can be: the
// gateway serves on, keeps the records of the meantime, and writes them once it opens.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, expect, test } from 'vitest'
import { request } from 'undici'
import { startCorral, type RunningCorral } from '../../gateway/server.js'
import { createKey } from '../../gateway/auth/manage.js'
import { createLogger } from '../../gateway/util/logger.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'
import { eventually, tempDataDir, writeConfig } from '../support/gateway.js'

const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

test('stats held while the database cannot be opened are written once it can', async () => {
  const fake: FakeOllama = await startFakeOllama()
  cleanup.push(() => fake.close())
  const dataDir = tempDataDir()
  cleanup.push(() => fs.rmSync(dataDir, { recursive: true, force: true }))
  writeConfig(dataDir, (c) => {
    c.backends = [
      {
        id: 'b0',
        name: 'b0',
        url: fake.url,
        key: null,
        weight: 1,
        enabled: true,
        capacity: 4,
        source: 'manual',
      },
    ]
    c.discovery.mdns = false
  })
  // SQLite cannot open a directory: the store fails at start, for a reason no retry fixes yet.
  const db = path.join(dataDir, 'corral.db')
  fs.mkdirSync(db)
  const lines: string[] = []
  const running: RunningCorral = await startCorral({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    controlPort: 0,
    uiDir: null,
    sharing: true,
    statsReopenIntervalMs: 150,
    logger: createLogger({ level: 'info', write: (line: string) => void lines.push(line) }),
  })
  cleanup.push(() => running.close())
  expect(lines.join('')).toMatch(/Request stats are not being saved/)
  const { key } = await createKey((m) => running.corral.update(m), { name: 'alice' })
  const url = `http://127.0.0.1:${running.gatewayPort()}`

  const generate = async () => {
    const res = await request(`${url}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
    })
    await res.body.text()
    return res.statusCode
  }
  for (let i = 0; i < 3; i++) expect(await generate()).toBe(200)
  const summary = async () => {
    const res = await request(`${running.controlUrl}/control/stats/summary?since=0`, {
      headers: { authorization: `Bearer ${running.token}` },
    })
    return {
      status: res.statusCode,
      body: (await res.body.json()) as { totals: { requests: number } },
    }
  }
  expect((await summary()).status).toBeGreaterThanOrEqual(500)

  fs.rmdirSync(db)
  await eventually(() => expect(running.corral.stats.store).not.toBeNull(), 5000)
  expect(await generate()).toBe(200)
  const after = await summary()
  expect(after.status).toBe(200)
  expect(after.body.totals.requests).toBe(4)
  expect(lines.join('')).toMatch(/Request stats are saved again: 3 records kept meanwhile/)
})
