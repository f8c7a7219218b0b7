// A key changed after it was made (models, limits, scopes, expiry) through the control API and
// `corral keys update` against a running server: the very next request obeys the change. Names
// stay tellable apart (409), an unnamed guest gets a name, a guest key lives 30 days at most.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { runCli, startServe } from '../support/cli.js'
import { tempDataDir } from '../support/gateway.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw.close())

async function chat(key: string, model = 'llama3.2'): Promise<number> {
  const res = await request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream: false }),
  })
  await res.body.dump()
  return res.statusCode
}

describe('PATCH /control/keys/:id', () => {
  test('limits the models of a key after it was made, and lifts the limit again', async () => {
    const { key, id } = await gw.newKey({ name: 'models-later' })
    expect(await chat(key, 'qwen2.5:0.5b')).toBe(200)
    const res = await gw.control<{ models: string[] }>('PATCH', `/control/keys/${id}`, {
      models: ['llama3.2'],
    })
    expect(res.status).toBe(200)
    expect(res.body.models).toEqual(['llama3.2'])
    expect(await chat(key, 'qwen2.5:0.5b')).toBe(403)
    expect(await chat(key, 'llama3.2')).toBe(200)
    await gw.control('PATCH', `/control/keys/${id}`, { models: [] })
    expect(await chat(key, 'qwen2.5:0.5b')).toBe(200)
  })

  test('sets a request limit, scopes and an expiry on an existing key', async () => {
    const { key, id } = await gw.newKey({ name: 'limits-later' })
    const res = await gw.control<{ limits: { requests: number }; scopes: string[] }>(
      'PATCH',
      `/control/keys/${id}`,
      { limits: { requests: 2, windowSeconds: 60 }, scopes: ['inference', 'models'] },
    )
    expect(res.status).toBe(200)
    expect(res.body.limits.requests).toBe(2)
    expect(res.body.scopes).toEqual(['inference', 'models'])
    expect([await chat(key), await chat(key), await chat(key)]).toEqual([200, 200, 429])
    const exp = await gw.control<{ expiresAt: string }>('PATCH', `/control/keys/${id}`, {
      expires: '2h',
    })
    expect(Date.parse(exp.body.expiresAt) - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000)
  })
})

describe('names', () => {
  test('a second working key with the same name (any case) is refused with 409 and not made', async () => {
    await gw.newKey({ name: 'Sam phone' })
    const before = gw.running.corral.config.keys.length
    const res = await gw.control<{ error: string }>('POST', '/control/keys', { name: 'sam PHONE' })
    expect(res.status).toBe(409)
    expect(res.body.error).toMatch(/a key named "Sam phone" exists already .*choose another name/)
    expect(gw.running.corral.config.keys.length).toBe(before)
  })

  test('renaming a key to the name of another is refused with 409', async () => {
    await gw.newKey({ name: 'taken' })
    const { id } = await gw.newKey({ name: 'free' })
    const res = await gw.control<{ error: string }>('PATCH', `/control/keys/${id}`, {
      name: 'taken',
    })
    expect(res.status).toBe(409)
    expect(gw.running.corral.config.keys.find((k) => k.id === id)!.name).toBe('free')
  })

  test('the name of a revoked key may be used again, and then means the new key', async () => {
    const old = await gw.newKey({ name: 'reused' })
    await gw.control('DELETE', `/control/keys/${old.id}`)
    const res = await gw.control<{ id: string }>('POST', '/control/keys', { name: 'reused' })
    expect(res.status).toBe(201)
    const patched = await gw.control<{ id: string }>('PATCH', '/control/keys/reused', {
      models: ['llama3.2'],
    })
    expect(patched.body.id).toBe(res.body.id)
  })

  test('unnamed guest keys get distinct names', async () => {
    const a = await gw.control<{ name: string }>('POST', '/control/keys', { guest: true })
    const b = await gw.control<{ name: string }>('POST', '/control/keys', { guest: true })
    expect([a.status, b.status]).toEqual([201, 201])
    expect(a.body.name).toMatch(/^Guest \d{4}-\d\d-\d\d \d\d:\d\d/)
    expect(b.body.name).not.toBe(a.body.name)
  })
})

describe('a guest key lives 30 days at most', () => {
  test('30 days is accepted', async () => {
    const res = await gw.control('POST', '/control/keys', { guest: true, expires: '30d' })
    expect(res.status).toBe(201)
  })

  test.each(['31d', '5w'])('%s is refused with 400 and a message saying the limit', async (e) => {
    const before = gw.running.corral.config.keys.length
    const res = await gw.control<{ error: string }>('POST', '/control/keys', {
      guest: true,
      expires: e,
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(/a guest key lives at most 30 days.*choose 30d or less/)
    expect(gw.running.corral.config.keys.length).toBe(before)
  })

  test('an existing guest key cannot be extended past 30 days', async () => {
    const g = await gw.control<{ id: string }>('POST', '/control/keys', { guest: true })
    const res = await gw.control<{ error: string }>('PATCH', `/control/keys/${g.body.id}`, {
      expires: '60d',
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(/at most 30 days/)
  })
})

describe('corral keys against a running server', () => {
  let dir: string
  let fake: FakeOllama
  let serve: Awaited<ReturnType<typeof startServe>>
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dir])

  beforeAll(async () => {
    fake = await startFakeOllama()
    dir = tempDataDir()
    serve = await startServe(
      ['--data-dir', dir, '--port', '0', '--control-port', '0', '--backend', fake.url, '--no-mdns'],
      {},
    )
  })
  afterAll(async () => {
    serve.child.kill()
    await fake.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('keys create --guest without --name makes a named guest key', async () => {
    const r = await cli('keys', 'create', '--guest', '--json')
    expect(r.code, r.stderr).toBe(0)
    expect((JSON.parse(r.stdout) as { name: string }).name).toMatch(/^Guest \d{4}/)
  })

  test('keys create --guest --expires 31d fails with the 30-day limit in words', async () => {
    const r = await cli('keys', 'create', '--guest', '--expires', '31d')
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(/a guest key lives at most 30 days/)
  })

  test('keys update changes models, limits, scopes and expiry', async () => {
    const made = await cli('keys', 'create', '--name', 'later', '--json')
    const { id } = JSON.parse(made.stdout) as { id: string }
    const r = await cli(
      'keys',
      'update',
      id,
      '--models',
      'llama3.2,qwen2.5:*',
      '--rpm',
      '30',
      '--tpm',
      '5000',
      '--concurrency',
      '2',
      '--scopes',
      'inference,metrics',
      '--expires',
      '7d',
      '--json',
    )
    expect(r.code, r.stderr).toBe(0)
    const k = JSON.parse(r.stdout) as Record<string, unknown>
    expect(k).toMatchObject({
      models: ['llama3.2', 'qwen2.5:*'],
      limits: { requests: 30, windowSeconds: 60, tokensPerMinute: 5000, concurrency: 2 },
      scopes: ['inference', 'metrics'],
    })
    expect(Date.parse(String(k.expiresAt)) - Date.now()).toBeGreaterThan(6.9 * 86_400_000)
    const all = await cli('keys', 'update', id, '--models', 'all', '--expires', 'never', '--json')
    expect(JSON.parse(all.stdout)).toMatchObject({ models: [], expiresAt: null })
  })
})
