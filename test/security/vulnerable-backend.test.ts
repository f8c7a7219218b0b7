// Issue 25, beyond: a backend that is itself vulnerable. Corral reads each backend's
// /api/version; an Ollama older than a known fix (gateway/advisories/) is named with its CVEs
// and fixing versions in `corral status`, the control API's backend list (the Backends view)
// and the tray, and model management (create, pull, push, blobs) on it is closed to every
// key until the owner updates it or accepts the risk (`backends update ID --accept-vulnerable`).
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runCli } from '../support/cli.js'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { advisoriesFor, olderThan } from '../../gateway/advisories/ollama-advisories.js'

let gw: TestGateway
let admin: string

beforeAll(async () => {
  gw = await startTestGateway({
    backends: [{ version: '0.1.30' }],
    config: (c) => void (c.balancer.healthIntervalMs = 600_000),
  })
  await gw.running.corral.health.checkNow()
  admin = (await gw.newKey({ name: 'admin', scopes: ['inference', 'models'] })).key
})
afterAll(() => gw.close())

async function post(path: string, body: unknown, key = admin) {
  const res = await request(gw.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  return { status: res.statusCode, text: await res.body.text() }
}

const CREATE = { model: 'mine', from: 'llama3.2', stream: false }

describe('a backend reporting Ollama 0.1.30', () => {
  test('is listed with each CVE it has and the version that fixes it', async () => {
    const { body } = await gw.control<{
      backends: Array<{ advisories: Array<{ cve: string; fixedIn: string }> }>
    }>('GET', '/control/backends')
    expect(body.backends[0]!.advisories.map((a) => [a.cve, a.fixedIn])).toEqual([
      ['CVE-2024-37032', '0.1.34'],
      ['CVE-2026-7482', '0.17.1'],
    ])
  })

  test('corral status says so, with the CVEs, the fixing version and what to do', async () => {
    const r = await runCli(['status', '--data-dir', gw.dataDir])
    expect(r.code).toBe(0)
    const line = r.stdout.split('\n').find((l) => l.includes('CVE-2024-37032'))
    expect(line).toContain('0.1.30')
    expect(line).toContain('fixed in 0.1.34')
    expect(line).toContain('CVE-2026-7482')
    expect(line).toContain('update Ollama to 0.17.1 or later')
    expect(line).toContain('corral backends update b0 --accept-vulnerable')
  })

  test('keeps /api/create, /api/pull, /api/push and blobs closed to every key, with the CVE named', async () => {
    for (const [path, body] of [
      ['/api/create', CREATE],
      ['/api/pull', { model: 'llama3.2', stream: false }],
      ['/api/push', { model: 'llama3.2', stream: false }],
      ['/api/blobs/sha256:' + 'a'.repeat(64), {}],
    ] as const) {
      const res = await post(path, body)
      expect([path, res.status]).toEqual([path, 403])
      expect(res.text).toContain('CVE-2024-37032')
      expect(res.text).toContain('update Ollama to 0.17.1')
    }
    expect(gw.fakes[0]!.requests.filter((r) => r.url === '/api/create')).toHaveLength(0)
    // Inference is not affected.
    expect(
      (await post('/api/chat', { model: 'llama3.2', messages: [], stream: false })).status,
    ).toBe(200)
  })

  test('the owner accepting the risk opens model management; refusing closes it again', async () => {
    const accept = await runCli([
      'backends',
      'update',
      'b0',
      '--accept-vulnerable',
      '--data-dir',
      gw.dataDir,
    ])
    expect(accept.code).toBe(0)
    expect((await post('/api/create', CREATE)).status).toBe(200)
    const status = await runCli(['status', '--data-dir', gw.dataDir])
    expect(status.stdout).toContain('You accepted the risk')
    const refuse = await runCli([
      'backends',
      'update',
      'b0',
      '--refuse-vulnerable',
      '--data-dir',
      gw.dataDir,
    ])
    expect(refuse.code).toBe(0)
    expect((await post('/api/create', CREATE)).status).toBe(403)
  })
})

describe('a backend reporting a fixed version', () => {
  test('has no advisories and model management stays open', async () => {
    const fixed = await startTestGateway({
      backends: [{ version: '0.17.1' }],
      config: (c) => void (c.balancer.healthIntervalMs = 600_000),
    })
    try {
      await fixed.running.corral.health.checkNow()
      const key = (await fixed.newKey({ name: 'm', scopes: ['inference', 'models'] })).key
      const { body } = await fixed.control<{ backends: Array<{ advisories: unknown[] }> }>(
        'GET',
        '/control/backends',
      )
      expect(body.backends[0]!.advisories).toEqual([])
      const res = await request(fixed.url + '/api/create', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(CREATE),
      })
      await res.body.dump()
      expect(res.statusCode).toBe(200)
    } finally {
      await fixed.close()
    }
  })
})

test('versions compare as Ollama numbers them', () => {
  expect(olderThan('0.1.33', '0.1.34')).toBe(true)
  expect(olderThan('0.1.34', '0.1.34')).toBe(false)
  expect(olderThan('0.17.1-rc0', '0.17.1')).toBe(true)
  expect(olderThan('0.9.0', '0.17.1')).toBe(true)
  expect(olderThan('v0.18.0', '0.17.1')).toBe(false)
  expect(advisoriesFor('0.1.28').map((a) => a.cve)).toEqual([
    'CVE-2024-28224',
    'CVE-2024-37032',
    'CVE-2026-7482',
  ])
  expect(advisoriesFor('not a version')).toEqual([])
  expect(advisoriesFor(null)).toEqual([])
})
