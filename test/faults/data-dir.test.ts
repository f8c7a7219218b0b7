// The data dir misbehaving: full, nearly full, read-only, or left with a
// half-done write by a crash. A change that cannot be saved is refused; the
// gateway keeps serving; nothing already saved (key, setting, stat) is lost;
// and the next start works.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { startCorral, type RunningCorral } from '../../gateway/server.js'
import { ConfigStore } from '../../gateway/config/store.js'
import { createKey } from '../../gateway/auth/manage.js'
import { createLogger } from '../../gateway/util/logger.js'
import type { Discovery } from '../../gateway/discovery/types.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'
import { tempDataDir, writeConfig } from '../support/gateway.js'
import { canMount, fill, makeReadOnly, tmpfsDir, unmount, unmountAll } from '../support/mounts.js'

const MOUNTS = canMount()
if (!MOUNTS)
  console.warn(
    'data-dir faults: mount-based tests skipped, this process cannot mount (needs root on Linux)',
  )

let fake: FakeOllama
const logLines: string[] = []
const running: RunningCorral[] = []
const dirs: string[] = []

beforeAll(async () => {
  fake = await startFakeOllama()
})
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()))
  unmountAll()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})
afterAll(() => fake.close())

function prepare(dataDir: string): string {
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
    c.balancer.healthIntervalMs = 600_000
  })
  return dataDir
}

async function start(dataDir: string) {
  const r = await startCorral({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    controlPort: 0,
    uiDir: null,
    sharing: true,
    logger: createLogger({ level: 'warn', write: (l) => logLines.push(l) }),
  })
  running.push(r)
  const control = async (method: string, p: string, body?: unknown) => {
    const res = await request(r.controlUrl + p, {
      method: method as 'GET',
      headers: {
        authorization: `Bearer ${r.token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.body.text()
    return {
      status: res.statusCode,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
    }
  }
  const generate = async (key: string) => {
    const res = await request(`http://127.0.0.1:${r.gatewayPort()}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
    })
    await res.body.dump()
    return res.statusCode
  }
  const keyNames = async () =>
    ((await control('GET', '/control/keys')).body as unknown as Array<{ name: string }>).map(
      (k) => k.name,
    )
  const recorded = async () =>
    ((await control('GET', '/control/stats/recent?limit=1000')).body as unknown as unknown[]).length
  const stop = async () => {
    running.splice(running.indexOf(r), 1)
    await r.close()
  }
  return { r, control, generate, keyNames, recorded, stop }
}

const savedKeyNames = (dataDir: string, file = 'config.json') =>
  (
    JSON.parse(fs.readFileSync(path.join(dataDir, file), 'utf8')) as {
      keys: Array<{ name: string }>
    }
  ).keys.map((k) => k.name)
const tempFiles = (dataDir: string) => fs.readdirSync(dataDir).filter((n) => n.endsWith('.tmp'))

describe.skipIf(!MOUNTS)('a full data dir', () => {
  /**
   * Pins: a failed atomic write left its half-written temp file behind, so a
   * full disk stayed full (and grew a new temp file with every attempt).
   */
  test('a change that cannot be saved is refused, leaves no temp file, and loses nothing saved', async () => {
    const dir = prepare(tmpfsDir(2048))
    let g = await start(dir)
    const alice = (await g.control('POST', '/control/keys', { name: 'alice' })).body!.key as string
    for (let i = 0; i < 5; i++) expect(await g.generate(alice)).toBe(200)
    const committed = await g.recorded()
    expect(committed).toBeGreaterThanOrEqual(5)

    const filler = fill(dir)
    const refused = await g.control('POST', '/control/keys', { name: 'bob' })
    expect(refused.status).toBeGreaterThanOrEqual(400)
    expect(refused.body).not.toHaveProperty('key')
    expect(await g.keyNames()).toEqual(['alice'])
    expect(savedKeyNames(dir)).toEqual(['alice'])
    expect(tempFiles(dir)).toEqual([])
    // Serving does not need the disk.
    for (let i = 0; i < 5; i++) expect(await g.generate(alice)).toBe(200)

    await g.stop()
    fs.rmSync(filler)
    g = await start(dir)
    expect(await g.keyNames()).toEqual(['alice'])
    expect(await g.recorded()).toBeGreaterThanOrEqual(committed)
    expect(await g.generate(alice)).toBe(200)
    expect((await g.control('POST', '/control/keys', { name: 'carol' })).status).toBe(201)
  })

  /**
   * Pins: `writeFileAtomic` wrote with one `writeSync`, which on a nearly full
   * disk writes part of the data and returns a short count without an error;
   * the truncated file was renamed over config.json and over the last good
   * copy, and the next start fell back to defaults: every key lost.
   */
  test('a disk that fills in the middle of a save never truncates config.json or its last good copy', async () => {
    const dir = prepare(tmpfsDir(512))
    let g = await start(dir)
    for (let i = 0; i < 30; i++) await g.control('POST', '/control/keys', { name: `key-${i}` })
    const before = savedKeyNames(dir)
    expect(fs.statSync(path.join(dir, 'config.json')).size).toBeGreaterThan(12_000)
    // Room for a few KB: less than one config.json.
    const filler = fill(dir)
    fs.truncateSync(filler, fs.statSync(filler).size - 8192)
    const res = await g.control('POST', '/control/keys', { name: 'one-too-many' })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(savedKeyNames(dir)).toEqual(before)
    expect(savedKeyNames(dir, 'config.last-good.json')).toEqual(before)
    await g.stop()
    fs.rmSync(filler)
    g = await start(dir)
    expect(await g.keyNames()).toEqual(before)
  })

  /** Pins: control.json could not be written on a full disk, and startCorral threw: no gateway at all. */
  test('the gateway still starts on a full disk and serves the keys it has', async () => {
    const dir = prepare(tmpfsDir(2048))
    let g = await start(dir)
    const alice = (await g.control('POST', '/control/keys', { name: 'alice' })).body!.key as string
    await g.stop()
    fill(dir)
    g = await start(dir)
    expect(await g.generate(alice)).toBe(200)
    expect(logLines.join('')).toMatch(/control\.json/)
  })
})

describe.skipIf(!MOUNTS)('a read-only data dir', () => {
  test('while running: changes are refused, serving goes on, and saving works again once writable', async () => {
    const dir = prepare(tempDataDir())
    dirs.push(dir)
    const g = await start(dir)
    const alice = (await g.control('POST', '/control/keys', { name: 'alice' })).body!.key as string
    makeReadOnly(dir)
    const refused = await g.control('POST', '/control/keys', { name: 'bob' })
    expect(refused.status).toBeGreaterThanOrEqual(400)
    expect(await g.keyNames()).toEqual(['alice'])
    const settings = await g.control('PATCH', '/control/settings', { limits: { enabled: false } })
    expect(settings.status).toBeGreaterThanOrEqual(400)
    for (let i = 0; i < 3; i++) expect(await g.generate(alice)).toBe(200)
    unmount(dir)
    expect((await g.control('POST', '/control/keys', { name: 'carol' })).status).toBe(201)
    expect(savedKeyNames(dir)).toEqual(['alice', 'carol'])
  })

  /** Pins: startCorral threw when control.json could not be written (EROFS): a read-only data dir meant no gateway. */
  test('at start: it starts and serves with the keys it has', async () => {
    const dir = prepare(tempDataDir())
    dirs.push(dir)
    let g = await start(dir)
    const alice = (await g.control('POST', '/control/keys', { name: 'alice' })).body!.key as string
    await g.stop()
    makeReadOnly(dir)
    logLines.length = 0
    g = await start(dir)
    expect(await g.generate(alice)).toBe(200)
    expect(await g.keyNames()).toEqual(['alice'])
    expect(logLines.join('')).toMatch(/control\.json/)
  })
})

describe('config.json after a crash in the middle of a write', () => {
  /** Writes config.json through ConfigStore, as the gateway does, with these keys. */
  async function seedKeys(dir: string, names: string[]) {
    const store = ConfigStore.open(dir)
    for (const name of names) await createKey((m) => store.update(m), { name })
    store.close()
  }

  test('killed between writing the temp file and renaming it: the last committed config loads, the temp file goes', async () => {
    const dir = prepare(tempDataDir())
    dirs.push(dir)
    await seedKeys(dir, ['alice', 'bob'])
    // A real process, killed by SIGKILL at the exact moment between write and rename.
    const script = `
      import fs from 'node:fs'
      const rename = fs.renameSync
      fs.renameSync = (from, to) => {
        if (String(to).endsWith('config.json')) process.kill(process.pid, 'SIGKILL')
        return rename(from, to)
      }
      const { ConfigStore } = await import(${JSON.stringify(path.resolve('dist/gateway/config/store.js'))})
      const { createKey } = await import(${JSON.stringify(path.resolve('dist/gateway/auth/manage.js'))})
      const store = ConfigStore.open(${JSON.stringify(dir)})
      await createKey((m) => store.update(m), { name: 'never-committed' })
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += String(d)))
    const signal = await new Promise((r) => child.on('exit', (_code, sig) => r(sig)))
    expect(signal, stderr).toBe('SIGKILL')
    expect(tempFiles(dir)).toHaveLength(1)
    expect(savedKeyNames(dir)).toEqual(['alice', 'bob'])

    const g = await start(dir)
    expect(await g.keyNames()).toEqual(['alice', 'bob'])
    expect(tempFiles(dir)).toEqual([])
    expect((await g.control('POST', '/control/keys', { name: 'carol' })).status).toBe(201)
  })

  test('a truncated config.json (a non-atomic editor crashed) starts from the last good copy and keeps the broken one aside', async () => {
    const dir = prepare(tempDataDir())
    dirs.push(dir)
    await seedKeys(dir, ['alice'])
    const file = path.join(dir, 'config.json')
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 200))
    const g = await start(dir)
    expect(await g.keyNames()).toEqual(['alice'])
    expect(fs.readdirSync(dir).some((n) => n.startsWith('config.json.broken-'))).toBe(true)
    expect(savedKeyNames(dir)).toEqual(['alice'])
  })

  /**
   * Pins: with config.json broken and the disk full, copying the broken file
   * aside threw ENOSPC and the gateway did not start, although the last good
   * copy was right there.
   */
  test.skipIf(!MOUNTS)(
    'a truncated config.json on a full disk still starts from the last good copy',
    async () => {
      const dir = prepare(tmpfsDir(1024))
      await seedKeys(dir, ['alice'])
      const file = path.join(dir, 'config.json')
      const text = fs.readFileSync(file, 'utf8')
      fill(dir)
      fs.writeFileSync(file, text.slice(0, 100))
      const g = await start(dir)
      expect(await g.keyNames()).toEqual(['alice'])
    },
  )
})

/**
 * Pins: when startCorral failed after the LAN listener was up, it closed the
 * control listener and the Corral but left the LAN listener running, serving
 * requests with a closed Corral and keeping the process alive.
 */
test('a start that fails after the LAN listener is up leaves no listener behind', async () => {
  const dir = prepare(tempDataDir())
  dirs.push(dir)
  writeConfig(dir, (c) => {
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
    c.discovery.mdns = true
  })
  const probe = net.createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const port = (probe.address() as net.AddressInfo).port
  await new Promise((r) => probe.close(r))
  const failing: Discovery = {
    advertise() {
      throw new Error('mDNS exploded')
    },
    withdraw: () => Promise.resolve(),
    candidates: () => [],
    onChange: () => () => {},
    close: () => Promise.resolve(),
  }
  await expect(
    startCorral({
      dataDir: dir,
      host: '127.0.0.1',
      port,
      controlPort: 0,
      uiDir: null,
      sharing: true,
      discovery: failing,
      logger: createLogger({ level: 'silent' }),
    }),
  ).rejects.toThrow('mDNS exploded')
  const refused = await new Promise<string>((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    s.on('connect', () => {
      s.destroy()
      resolve('connected')
    })
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
  })
  expect(refused).toBe('ECONNREFUSED')
})
