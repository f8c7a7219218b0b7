/**
 * Issue 25: a gateway request sent to the control port (a client configured with port 11436)
 * got a bare 401 or 404. It now says, in the client's dialect, that this is the control port
 * and which gateway URL to use; with sharing off, which port the gateway will use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../../support/gateway.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw?.close())

const send = async (method: string, p: string, body?: unknown) => {
  const res = await request(gw.running.controlUrl + p, {
    method: method as 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.key}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.statusCode, body: (await res.body.json()) as { error: unknown } }
}

describe('a gateway request sent to the control port', () => {
  it.each([
    ['POST', '/api/chat'],
    ['POST', '/api/generate'],
    ['GET', '/api/tags'],
    ['GET', '/metrics'],
    ['GET', '/connect'],
  ])('%s %s gets an Ollama-style error naming the gateway URL', async (method, p) => {
    const res = await send(method, p, method === 'POST' ? { model: 'llama3.2' } : undefined)
    expect(res.status).toBe(404)
    expect(res.body.error).toBe(
      `this is Corral's control port, for the Corral app and the corral command; ${p} is served on the gateway port: use the gateway at ${gw.url}, with an API key`,
    )
  })

  it('the OpenAI SDK shows the same message as an OpenAI error', async () => {
    const client = new OpenAI({
      baseURL: gw.running.controlUrl + '/v1',
      apiKey: gw.key,
      maxRetries: 0,
    })
    const err = await client.chat.completions
      .create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.NotFoundError)
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).message).toContain(
      `this is Corral's control port, for the Corral app and the corral command; /v1/chat/completions is served on the gateway port: use the gateway at ${gw.url}`,
    )
  })

  it('with sharing off, names the port the gateway will use', async () => {
    await gw.control('POST', '/control/sharing', { on: false })
    const res = await send('POST', '/api/chat', { model: 'llama3.2' })
    expect(res.body.error).toMatch(/use the gateway port \d+ once sharing is on \(it is off now\)/)
    await gw.control('POST', '/control/sharing', { on: true })
  })

  it('while the control API and the UI keep their own paths', async () => {
    expect((await send('GET', '/control/status')).status).toBe(401)
  })
})
