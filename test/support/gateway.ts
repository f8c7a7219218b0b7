// A real Corral for tests: the real gateway and control listeners on port 0
// in front of real Ollama-speaking servers, with a fresh data dir.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { request } from 'undici'
import { startCorral, type RunningCorral, type StartOptions } from '../../gateway/server.js'
import { createKey, type KeyInput } from '../../gateway/auth/manage.js'
import { defaultConfig, serializeConfig } from '../../gateway/config/load.js'
import type { Config } from '../../gateway/config/schema.js'
import { silentLogger } from '../../gateway/util/logger.js'
import { startFakeOllama, type FakeOllama, type FakeOllamaOptions } from './fake-ollama.js'

export interface TestGateway {
  url: string
  key: string
  keyId: string
  dataDir: string
  running: RunningCorral
  fakes: FakeOllama[]
  /** Create another key through the same code path the control API uses. */
  newKey(input?: Partial<KeyInput>): Promise<{ key: string; id: string }>
  /** Call the control API with the token. */
  control<T = unknown>(
    method: string,
    p: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>
  close(): Promise<void>
  /**
   * Stop this Corral and start another on the same data dir and backends (a restart);
   * `url`, `running` and `control` then point at the new one.
   */
  restart(start?: Partial<StartOptions>): Promise<void>
}

export interface TestGatewayOptions {
  backends?: number | FakeOllamaOptions[]
  /** Edit the initial config.json before the gateway starts. */
  config?: (c: Config) => void
  key?: Partial<KeyInput>
  start?: Partial<StartOptions>
  /** Prepare the data dir (after config.json is written) before the gateway starts. */
  beforeStart?: (dataDir: string) => void
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'corral-test-'))
}

export function writeConfig(dataDir: string, edit: (c: Config) => void): void {
  const c = defaultConfig()
  edit(c)
  fs.writeFileSync(path.join(dataDir, 'config.json'), serializeConfig(c))
}

export async function startTestGateway(opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const specs =
    typeof opts.backends === 'number'
      ? Array.from({ length: opts.backends }, () => ({}))
      : (opts.backends ?? [{}])
  const fakes = await Promise.all(specs.map((s, i) => startFakeOllama({ name: `b${i}`, ...s })))
  const dataDir = tempDataDir()
  writeConfig(dataDir, (c) => {
    c.backends = fakes.map((f, i) => ({
      id: `b${i}`,
      name: `b${i}`,
      url: f.url,
      key: null,
      weight: 1,
      enabled: true,
      capacity: 4,
      source: 'manual',
    }))
    c.discovery.mdns = false
    opts.config?.(c)
  })
  opts.beforeStart?.(dataDir)
  const start = (more: Partial<StartOptions> = {}) =>
    startCorral({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      controlPort: 0,
      uiDir: null,
      logger: silentLogger,
      sharing: true,
      ...opts.start,
      ...more,
    })
  let running = await start()
  const update = (m: Parameters<RunningCorral['corral']['update']>[0]) => running.corral.update(m)
  const newKey = async (input: Partial<KeyInput> = {}) => {
    const { record, key } = await createKey(update, { name: 'test', ...input })
    return { key, id: record.id }
  }
  const first = await newKey({ name: 'alice', ...opts.key })
  const control = async <T>(method: string, p: string, body?: unknown) => {
    const res = await request(running.controlUrl + p, {
      method: method as 'GET',
      headers: {
        authorization: `Bearer ${running.token}`,
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.body.text()
    return { status: res.statusCode, body: (text ? JSON.parse(text) : null) as T }
  }
  const gw: TestGateway = {
    url: `http://127.0.0.1:${running.gatewayPort()}`,
    key: first.key,
    keyId: first.id,
    dataDir,
    running,
    fakes,
    newKey,
    control,
    close: async () => {
      await running.close()
      await Promise.all(fakes.map((f) => f.close()))
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
    restart: async (more) => {
      await running.close()
      running = await start(more)
      gw.running = running
      gw.url = `http://127.0.0.1:${running.gatewayPort()}`
    },
  }
  return gw
}

/** Wait until `check` passes or the time runs out (for things that happen asynchronously). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 3000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (err) {
      if (Date.now() > until) throw err
      await new Promise((r) => setTimeout(r, 25))
    }
  }
}
