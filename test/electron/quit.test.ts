// Quitting cleanly: stop accepting, let streams in flight finish (for the grace period
// at most), flush stats to corral.db, remove control.json, then really quit.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { app, Tray } from '../mocks/electron.js'
import { StatsStore } from '../../gateway/stats/store.js'
import { startFakeOllama } from '../support/fake-ollama.js'
import {
  backend,
  createTestKey,
  launch,
  menuItem,
  onCleanup,
  tempDir,
  tryConnect,
  writeConfig,
} from './helpers.js'

async function sharingWithBackend(
  opts: { frames?: number; frameIntervalMs?: number; graceMs?: number } = {},
) {
  const fake = await startFakeOllama({ frames: opts.frames, frameIntervalMs: opts.frameIntervalMs })
  onCleanup(() => fake.close())
  const dir = tempDir()
  writeConfig(dir, {
    sharing: true,
    backends: [backend(fake.url)],
    extra: opts.graceMs === undefined ? {} : { server: serverWith(opts.graceMs) },
  })
  const desktop = await launch(dir)
  await desktop.running!.corral.health.checkNow()
  const key = await createTestKey(desktop)
  return { dir, desktop, key, port: desktop.running!.gatewayPort()!, fake }
}

function serverWith(graceMs: number) {
  return { host: '127.0.0.1', port: 0, controlPort: 0, sharing: true, shutdownGraceMs: graceMs }
}

function generate(port: number, key: string) {
  return fetch(`http://127.0.0.1:${port}/api/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'llama3.2', prompt: 'hello there' }),
  })
}

describe('quitting', () => {
  it('flushes stats to corral.db and removes control.json', async () => {
    const { dir, desktop, key, port } = await sharingWithBackend()
    const res = await generate(port, key)
    expect(res.status).toBe(200)
    await res.text()
    expect(fs.existsSync(path.join(dir, 'control.json'))).toBe(true)

    menuItem('quit').click()
    await desktop.lifecycle.stopped()

    expect(app.hasQuit).toBe(true)
    expect(fs.existsSync(path.join(dir, 'control.json'))).toBe(false)
    expect(await tryConnect(port)).toBe('ECONNREFUSED')
    expect(Tray.all).toHaveLength(0)
    const store = StatsStore.open(path.join(dir, 'corral.db'))
    try {
      const rows = store.recent(10)
      expect(rows.map((r) => [r.path, r.status, r.keyName])).toEqual([
        ['/api/generate', 200, 'alice'],
      ])
    } finally {
      store.close()
    }
  })

  it('lets a stream in flight finish before it stops', async () => {
    const { desktop, key, port } = await sharingWithBackend({
      frames: 8,
      frameIntervalMs: 100,
      graceMs: 3000,
    })
    const res = await generate(port, key)
    const body = res.text()
    const quitting = desktop.quit()
    const lines = (await body).trim().split('\n')
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ done: true })
    expect(lines).toHaveLength(9)
    await quitting
    expect(app.hasQuit).toBe(true)
  })

  it('cuts streams that outlast the grace period, so quitting is bounded', async () => {
    const { desktop, key, port } = await sharingWithBackend({
      frames: 200,
      frameIntervalMs: 100,
      graceMs: 300,
    })
    const res = await generate(port, key)
    const body = res.text().then(
      (t) => t,
      () => 'cut',
    )
    const started = Date.now()
    await desktop.quit()
    expect(Date.now() - started).toBeLessThan(3000)
    expect(app.hasQuit).toBe(true)
    const text = await body
    expect(text === 'cut' || !text.includes('"done":true')).toBe(true)
  })
})
