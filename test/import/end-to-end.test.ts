// Coming from another gateway: `corral import` the files people already have,
// then the keys they handed out work byte for byte through the real gateway,
// the backends are in the pool, and limits, IP lists and metrics carry over.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { Ollama } from 'ollama'
import { runCli } from '../support/cli.js'
import { tempDataDir } from '../support/gateway.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'
import { startCorral, type RunningCorral } from '../../gateway/server.js'
import { silentLogger } from '../../gateway/util/logger.js'

const FIXTURES = path.resolve('test/fixtures/import')
const NGINX_KEYS = [
  '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
  '3b9f6c1e-8a2d-4f7b-9e0c-6d4a1b2c3e5f',
  'dGVhbS1sYXB0b3Atc2VjcmV0LWtleS0yMDI0Lw==',
]
const KEYS_TXT = [
  'sk-ollama-8Jd92kLmQp3RtX7v',
  'b3JhbmdlLXRlYW0tc2VjcmV0LWtleQ==',
  'team-laptop-7f3a9c2e1d',
]
const GO_KEY = 'ahP7DieD7rNpTUa6No--iJpOaXY3TDK8dIjKg0cp-hI'

let fakes: FakeOllama[]
let dir: string
let work: string
let running: RunningCorral | null = null

beforeAll(async () => {
  fakes = await Promise.all([startFakeOllama({ name: 'gpu1' }), startFakeOllama({ name: 'gpu2' })])
  dir = tempDataDir()
  work = tempDataDir()
  // The people's own files, in their projects' syntax, naming backends that exist here.
  fs.writeFileSync(
    path.join(work, 'upstream_ollama.conf'),
    [
      '# Backend Ollama Servers',
      `server ${new URL(fakes[0]!.url).host}; # GPU Server 1`,
      `server ${new URL(fakes[1]!.url).host} weight=2; # GPU Server 2`,
      '',
    ].join('\n'),
  )
  const go = JSON.parse(
    fs.readFileSync(path.join(FIXTURES, 'go-gateway-config.json'), 'utf8'),
  ) as Record<string, unknown>
  go.ollamaAddresses = [`${fakes[0]!.url}/`]
  go.gatewayAddress = '127.0.0.1:0'
  go.authHeaderName = 'X-Gateway-Key'
  go.rateLimit = { maxRequests: 4, timeWindowSeconds: 30, enabled: true }
  go.security = { allowIps: ['127.0.0.1', '10.0.0.0/8'], denyIps: ['10.6.6.6'] }
  go.metrics = { enabled: true, endpoint: '/metrics', namespace: 'ollama_gw' }
  fs.writeFileSync(path.join(work, 'config.json'), JSON.stringify(go, null, 4))
})
afterAll(async () => {
  await running?.close()
  await Promise.all(fakes.map((f) => f.close()))
  fs.rmSync(dir, { recursive: true, force: true })
  fs.rmSync(work, { recursive: true, force: true })
})

describe('corral import', () => {
  test('--dry-run shows what would be taken and writes nothing', async () => {
    const r = await runCli([
      'import',
      path.join(FIXTURES, 'upstream_ollama.conf'),
      '--dry-run',
      '--json',
      '--data-dir',
      dir,
    ])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout) as {
      dryRun: boolean
      backendsAdded: number
      addedBackends: Array<{ url: string }>
    }
    expect(report.dryRun).toBe(true)
    expect(report.addedBackends.map((b) => b.url)).toEqual([
      'http://192.168.1.101:11434',
      'http://ollama-gpu2.internal:11434',
      'http://192.168.1.103:11434',
      'http://192.168.1.104:11434',
    ])
    expect(
      fs.existsSync(path.join(dir, 'config.json')) &&
        fs.readFileSync(path.join(dir, 'config.json'), 'utf8'),
    ).not.toContain('192.168.1.101')
  })

  test('imports the nginx key map, the keys file, an upstream list and the Go config in one go', async () => {
    const files = [
      path.join(FIXTURES, 'api_keys.conf'),
      path.join(FIXTURES, 'keys.txt'),
      path.join(work, 'upstream_ollama.conf'),
      path.join(work, 'config.json'),
    ]
    const r = await runCli(['import', ...files, '--data-dir', dir])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Added 7 key\(s\)/)
    const again = await runCli(['import', ...files, '--json', '--data-dir', dir])
    const report = JSON.parse(again.stdout) as {
      keysAdded: number
      backendsAdded: number
      keysSkipped: number
    }
    expect(report).toMatchObject({ keysAdded: 0, backendsAdded: 0, keysSkipped: 7 })
  })
})

describe('after the import, through the real gateway', () => {
  beforeAll(async () => {
    running = await startCorral({
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      controlPort: 0,
      uiDir: null,
      logger: silentLogger,
    })
    await running.corral.health.checkNow()
  })
  const url = () => `http://127.0.0.1:${running!.gatewayPort()}`

  test('every imported key works byte for byte, in the header its clients already send', async () => {
    for (const key of NGINX_KEYS) {
      const res = await request(`${url()}/api/version`, {
        headers: { authorization: `Bearer ${key}` },
      })
      expect(res.statusCode, key).toBe(200)
      await res.body.dump()
    }
    for (const key of KEYS_TXT) {
      const res = await request(`${url()}/api/version`, { headers: { 'x-api-key': key } })
      expect(res.statusCode, key).toBe(200)
      await res.body.dump()
    }
    // The Go gateway's clients send the bare key in its configured header.
    const ollama = new Ollama({ host: url(), headers: { 'X-Gateway-Key': GO_KEY } })
    expect((await ollama.list()).models.length).toBeGreaterThan(0)
    const names = running!.corral.config.keys.map((k) => k.name).sort()
    expect(names).toEqual([
      'imported-1',
      'imported-2',
      'imported-3',
      'imported-4',
      'imported-5',
      'imported-6',
      'imported-7',
    ])
  })

  test('every imported backend is in the pool and answering', async () => {
    const urls = running!.corral.pool.list().map((b) => b.record.url)
    expect(urls).toEqual(expect.arrayContaining([fakes[0]!.url, fakes[1]!.url]))
    expect(
      running!.corral.pool
        .list()
        .filter((b) => fakes.some((f) => f.url === b.record.url))
        .every((b) => b.state === 'up'),
    ).toBe(true)
    expect(running!.corral.config.backends.find((b) => b.url === fakes[1]!.url)!.weight).toBe(2)
  })

  test('the Go gateway’s rate limit applies per key', async () => {
    const key = KEYS_TXT[2]!
    const codes: number[] = []
    for (let i = 0; i < 5; i++) {
      const res = await request(`${url()}/api/version`, { headers: { 'x-api-key': key } })
      codes.push(res.statusCode)
      await res.body.dump()
    }
    expect(codes).toEqual([200, 200, 200, 429, 429])
  })

  test('the IP lists came along (deny wins)', async () => {
    expect(running!.corral.config.access.allow).toEqual(['127.0.0.1', '10.0.0.0/8'])
    expect(running!.corral.config.access.deny).toEqual(['10.6.6.6'])
    expect(running!.corral.snapshot.access.isAllowed('10.1.2.3')).toBe(true)
    expect(running!.corral.snapshot.access.isAllowed('10.6.6.6')).toBe(false)
    expect(running!.corral.snapshot.access.isAllowed('192.168.1.5')).toBe(false)
  })

  test('the metrics namespace matches, so existing dashboards keep working', async () => {
    const res = await request(`${url()}/metrics`)
    const text = await res.body.text()
    expect(text).toMatch(/^# TYPE ollama_gw_requests_total counter/m)
    expect(text).toMatch(/^ollama_gw_apikeys_total 7$/m)
  })
})

describe('the one-token Docker image’s way: configuration from the environment', () => {
  test('CORRAL_API_KEYS, CORRAL_BACKENDS and CORRAL_PORT configure serve without touching config.json', async () => {
    const { startServe } = await import('../support/cli.js')
    const envDir = tempDataDir()
    const serve = await startServe(
      ['--data-dir', envDir, '--host', '127.0.0.1', '--control-port', '0', '--no-mdns'],
      {
        CORRAL_API_KEYS: 'team-token-123456,second-token-abcdef',
        CORRAL_BACKENDS: new URL(fakes[1]!.url).host,
        CORRAL_PORT: '0',
      },
    )
    try {
      const gateway = serve.info.gateway[0]!
      for (const key of ['team-token-123456', 'second-token-abcdef']) {
        const res = await request(`${gateway}/api/chat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
          body: JSON.stringify({
            model: 'llama3.2',
            messages: [{ role: 'user', content: 'x' }],
            stream: false,
          }),
        })
        expect(res.statusCode, key).toBe(200)
        expect(
          ((await res.body.json()) as { message: { content: string } }).message.content,
        ).toContain('gpu2-tok0')
      }
      // Environment settings live for the process only: nothing was saved.
      const saved = fs.readFileSync(path.join(envDir, 'config.json'), 'utf8')
      expect(saved).not.toContain('team-token')
      expect(saved).not.toContain(new URL(fakes[1]!.url).host)
    } finally {
      serve.child.kill('SIGTERM')
      await new Promise((r) => serve.child.once('exit', r))
      fs.rmSync(envDir, { recursive: true, force: true })
    }
  })
})
