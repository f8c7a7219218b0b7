// What a teammate reads when a request is refused (issue 27): each message says what happened
// and what to do — no key (how to send one), an OpenAI path without /v1 (add it), a paused key
// (until when).
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import OpenAI from 'openai'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw.close())

describe('refusals say what to do', () => {
  test('no key: how to send one', async () => {
    const res = await request(`${gw.url}/api/tags`)
    expect(res.statusCode).toBe(401)
    expect(((await res.body.json()) as { error: string }).error).toContain('Authorization: Bearer')
  })

  test('an OpenAI base URL without /v1: the 404 says to add it', async () => {
    const openai = new OpenAI({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 })
    const err = (await openai.chat.completions
      .create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
      .then(
        () => null,
        (e: unknown) => e,
      )) as InstanceType<typeof OpenAI.APIError>
    expect(err.status).toBe(404)
    expect(err.message).toContain('/v1 at the end of the base URL')
  })

  test('a timed pause says until when', async () => {
    const paused = await gw.newKey({ name: 'paused' })
    const r = await gw.control('POST', `/control/keys/${paused.id}/pause`, { for: '30m' })
    expect(r.status).toBe(200)
    const res = await request(`${gw.url}/api/tags`, {
      headers: { authorization: `Bearer ${paused.key}` },
    })
    expect(res.statusCode).toBe(503)
    const { error } = (await res.body.json()) as { error: string }
    expect(error).toMatch(/^paused by the owner until \d\d:\d\d UTC \(\d{4}-/)
    expect(error).toContain('try again then')
  })
})
