// Issue 25: revoking a key, or a guest key reaching its expiry, ends its requests in flight
// as a kick does. Before, the key check refused only its next request: a stream begun
// before ran on (and held the GPU) for as long as the backend generated.
import { afterEach, describe, expect, test } from 'vitest'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

const slowStream = { frames: 2000, frameIntervalMs: 20 }
const messages = [{ role: 'user' as const, content: 'hi' }]

/** Reads a stream in the background; settles with the error that ended it (or null). */
function readAll<T>(stream: AsyncIterable<T>, seen: T[]): Promise<unknown> {
  return (async () => {
    for await (const part of stream) seen.push(part)
  })().then(
    () => null,
    (e: unknown) => e,
  )
}

describe('a key that stops being valid ends its requests in flight', () => {
  test('revoking a key through the control API ends its running ollama-client stream with an error frame and aborts the backend request', async () => {
    gw = await startTestGateway({ backends: [slowStream] })
    const ollama = new Ollama({ host: gw.url, headers: { Authorization: `Bearer ${gw.key}` } })
    const seen: unknown[] = []
    const reading = readAll(await ollama.chat({ model: 'llama3.2', messages, stream: true }), seen)
    await eventually(() => expect(seen.length).toBeGreaterThan(2))
    const res = await gw.control('DELETE', `/control/keys/${gw.keyId}`)
    expect(res.status).toBe(200)
    const err = await reading
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toBe('cancelled by the owner')
    await gw.fakes[0]!.waitFor((r) => r.path === '/api/chat' && r.aborted, 2000)
    expect(seen.length).toBeLessThan(2000)
  })

  test('revoking a key ends its running openai-client stream with an error event', async () => {
    gw = await startTestGateway({ backends: [slowStream] })
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    const stream = await openai.chat.completions.create({
      model: 'llama3.2',
      messages,
      stream: true,
    })
    const seen: unknown[] = []
    const reading = readAll(stream, seen)
    await eventually(() => expect(seen.length).toBeGreaterThan(2))
    expect((await gw.control('DELETE', `/control/keys/${gw.keyId}`)).status).toBe(200)
    const err = await reading
    expect(err).toBeInstanceOf(OpenAI.APIError)
    expect((err as Error).message).toContain('cancelled by the owner')
    await gw.fakes[0]!.waitFor((r) => r.path === '/v1/chat/completions' && r.aborted, 2000)
  })

  test('a guest key reaching its expiry ends its running stream; the other key’s stream runs on', async () => {
    gw = await startTestGateway({ backends: [slowStream] })
    const guest = await gw.newKey({ guest: true, name: 'guest', expires: '24h' })
    // Expires 1.5 s from now (set as the owner would, through the config).
    const expiresAt = new Date(Date.now() + 1500).toISOString()
    await gw.running.corral.update((c) => {
      c.keys.find((k) => k.id === guest.id)!.expiresAt = expiresAt
    })
    const client = (key: string) =>
      new Ollama({ host: gw!.url, headers: { Authorization: `Bearer ${key}` } })
    const guestSeen: unknown[] = []
    const ownSeen: unknown[] = []
    const guestReading = readAll(
      await client(guest.key).chat({ model: 'llama3.2', messages, stream: true }),
      guestSeen,
    )
    const own = client(gw.key)
    const ownReading = readAll(
      await own.chat({ model: 'llama3.2', messages, stream: true }),
      ownSeen,
    )
    await eventually(() => expect(guestSeen.length).toBeGreaterThan(2))
    const err = await guestReading
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt))
    expect((err as Error).message).toBe('cancelled by the owner')
    const ended = ownSeen.length
    await eventually(() => expect(ownSeen.length).toBeGreaterThan(ended + 5))
    own.abort()
    await ownReading
  })
})
