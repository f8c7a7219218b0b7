// Model lists do not use up a key's request budget: clients poll /api/tags, /api/ps and
// /v1/models before (and between) chats, and a key limited to a few requests a minute must
// still be able to chat that often. The lists still need a good key.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
let key: string
beforeAll(async () => {
  gw = await startTestGateway()
  key = (await gw.newKey({ name: 'two-a-minute', limits: { requests: 2, windowSeconds: 60 } })).key
})
afterAll(() => gw.close())

async function get(path: string, auth = `Bearer ${key}`): Promise<number> {
  const res = await request(`${gw.url}${path}`, { headers: { authorization: auth } })
  await res.body.dump()
  return res.statusCode
}

async function chat(): Promise<number> {
  const res = await request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    }),
  })
  await res.body.dump()
  return res.statusCode
}

test('polling the model lists leaves the request budget for chats, and works once it is used up', async () => {
  for (let i = 0; i < 4; i++) {
    expect(await get('/api/tags')).toBe(200)
    expect(await get('/v1/models')).toBe(200)
    expect(await get('/api/ps')).toBe(200)
  }
  expect([await chat(), await chat(), await chat()]).toEqual([200, 200, 429])
  expect(await get('/api/tags')).toBe(200)
  expect(await get('/v1/models')).toBe(200)
})

test('the model lists still refuse a request without a good key', async () => {
  expect(await get('/api/tags', 'Bearer crl_nope')).toBe(401)
  expect(await get('/v1/models', '')).toBe(401)
})
