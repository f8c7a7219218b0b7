// Nothing works without a key; every way clients send one works; the key
// never reaches a backend; revoking or expiring takes effect at once.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { revokeKey, updateKey } from '../../gateway/auth/manage.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.auth.headerName = 'X-Team-Token') })
})
afterAll(() => gw.close())

async function tags(headers: Record<string, string | string[]>) {
  const res = await request(`${gw.url}/api/tags`, { headers })
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> }
}

describe('a key is accepted from', () => {
  test.each([
    ['Authorization: Bearer K', (k: string) => ({ authorization: `Bearer ${k}` })],
    ['Authorization: K (the Go gateway style)', (k: string) => ({ authorization: k })],
    ['X-API-Key: K (the OpenResty proxy style)', (k: string) => ({ 'x-api-key': k })],
    ['the configured header name', (k: string) => ({ 'x-team-token': k })],
    [
      'Basic auth with the key as password',
      (k: string) => ({ authorization: `Basic ${Buffer.from(`me:${k}`).toString('base64')}` }),
    ],
    ['lower-case bearer', (k: string) => ({ authorization: `bearer ${k}` })],
  ])('%s', async (_name, headers) => {
    const res = await tags(headers(gw.key))
    expect(res.status).toBe(200)
    expect(Array.isArray(res.body.models)).toBe(true)
  })
})

describe('requests without a good key get 401', () => {
  test('no key at all', async () => {
    expect(await tags({})).toEqual({
      status: 401,
      body: {
        error:
          'missing API key: send it as "Authorization: Bearer crl_..." (ask the owner for a key)',
      },
    })
  })

  test('a wrong key', async () => {
    expect(await tags({ authorization: 'Bearer crl_notakey' })).toEqual({
      status: 401,
      body: { error: 'invalid API key' },
    })
  })

  test('two different keys in two headers', async () => {
    const res = await tags({ authorization: `Bearer ${gw.key}`, 'x-api-key': 'crl_other' })
    expect(res.status).toBe(401)
  })

  test('a revoked key, from the very next request', async () => {
    const { key, id } = await gw.newKey({ name: 'to-revoke' })
    expect((await tags({ authorization: `Bearer ${key}` })).status).toBe(200)
    await revokeKey((m) => gw.running.corral.update(m), id)
    expect(await tags({ authorization: `Bearer ${key}` })).toEqual({
      status: 401,
      body: { error: 'invalid API key' },
    })
  })

  test('an expired key', async () => {
    const { key, id } = await gw.newKey({ name: 'short-lived', expires: '1h' })
    expect((await tags({ authorization: `Bearer ${key}` })).status).toBe(200)
    await updateKey((m) => gw.running.corral.update(m), id, {
      expires: new Date(Date.now() - 1000).toISOString(),
    })
    expect((await tags({ authorization: `Bearer ${key}` })).status).toBe(401)
  })

  test('on OpenAI paths the error has OpenAI shape', async () => {
    const res = await request(`${gw.url}/v1/models`)
    expect(res.statusCode).toBe(401)
    expect(await res.body.json()).toEqual({
      error: {
        message:
          'missing API key: send it as "Authorization: Bearer crl_..." (ask the owner for a key)',
        type: 'invalid_request_error',
        param: null,
        code: 'corral_err_no_key',
      },
    })
  })
})

describe('scopes', () => {
  test.each([
    ['POST', '/api/pull', { model: 'llama3.2' }],
    ['POST', '/api/create', { model: 'x', from: 'llama3.2' }],
    ['POST', '/api/copy', { source: 'llama3.2', destination: 'x' }],
    ['DELETE', '/api/delete', { model: 'llama3.2' }],
    ['POST', '/api/push', { model: 'llama3.2' }],
  ])('an inference key may not %s %s', async (method, path, body) => {
    const res = await request(`${gw.url}${path}`, {
      method: method as 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect(res.statusCode).toBe(403)
    expect(await res.body.json()).toEqual({ error: 'this key may not use this endpoint' })
    expect(gw.fakes[0]!.requests.some((r) => r.path === path)).toBe(false)
  })

  test('a models key may pull, and sees the progress stream', async () => {
    const { key } = await gw.newKey({ name: 'admin-ish', scopes: ['inference', 'models'] })
    const res = await request(`${gw.url}/api/pull`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'tinyllama' }),
    })
    expect(res.statusCode).toBe(200)
    const lines = (await res.body.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string })
    expect(lines.at(-1)).toEqual({ status: 'success' })
  })

  test('a path outside the route table is refused, not forwarded', async () => {
    // (`/api/tags/` is redirected to `/api/tags`, as Ollama's router does: route-misses.test.ts.)
    for (const path of ['/api/unknown', '/v1/files', '/debug/pprof', '/api/tagsx']) {
      const res = await request(`${gw.url}${path}`, {
        headers: { authorization: `Bearer ${gw.key}` },
      })
      expect(res.statusCode, path).toBe(404)
      await res.body.dump()
    }
    expect(
      gw.fakes[0]!.requests.some((r) => r.path.startsWith('/debug') || r.path === '/api/unknown'),
    ).toBe(false)
  })
})

test('the backend never sees the client key and gets its own Host', async () => {
  gw.fakes[0]!.reset()
  await request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { 'x-api-key': gw.key, 'x-team-token': gw.key, connection: 'keep-alive' },
    body: JSON.stringify({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'x' }],
      stream: false,
    }),
  }).then((r) => r.body.dump())
  const seen = gw.fakes[0]!.requests.find((r) => r.path === '/api/chat')!
  const all = JSON.stringify(seen.headers)
  expect(all).not.toContain(gw.key)
  expect(seen.headers.authorization).toBeUndefined()
  expect(seen.headers['x-api-key']).toBeUndefined()
  expect(seen.headers['x-team-token']).toBeUndefined()
  expect(seen.headers.host).toBe(new URL(gw.fakes[0]!.url).host)
})

test('the Go gateway admin endpoints need the admin scope', async () => {
  const denied = await request(`${gw.url}/config/new-key`, { headers: { authorization: gw.key } })
  expect(denied.statusCode).toBe(403)
  await denied.body.dump()
  const { key: admin } = await gw.newKey({ name: 'ops', scopes: ['admin'] })
  const res = await request(`${gw.url}/config/new-key`, { headers: { authorization: admin } })
  const { key } = (await res.body.json()) as { key: string }
  expect(key).toMatch(/^crl_[A-Za-z0-9_-]{43}$/)
  expect((await tags({ authorization: key })).status).toBe(200)
  const reload = await request(`${gw.url}/config/reload`, {
    method: 'POST',
    headers: { authorization: admin },
  })
  expect(reload.statusCode).toBe(200)
  expect(await reload.body.json()).toMatchObject({ status: 'reloaded' })
})
