/**
 * ollama-js and ollama-python default to stream:false for chat, generate, pull, push and create;
 * Ollama then sends nothing until the work is done, and has no deadline of its own. Before,
 * Corral cut such a request with 504 once `upstreamHeadersTimeoutMs` passed (600 s by default)
 * and Ollama cancelled the work. Now no first-byte deadline cuts a non-streamed request whose
 * backend connection is alive; a stream still has one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ollama } from 'ollama'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

const DEADLINE_MS = 1_000
let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({
    backends: [{ firstByteDelayMs: DEADLINE_MS * 2.5 }],
    config: (c) => (c.server.upstreamHeadersTimeoutMs = DEADLINE_MS),
  })
})
afterAll(() => gw.close())

describe('answers that take longer than the first-byte deadline', () => {
  it('a non-streamed chat (the ollama client with stream:false) gets its answer', async () => {
    const ollama = new Ollama({ host: gw.url, headers: { authorization: `Bearer ${gw.key}` } })
    const res = await ollama.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'think hard' }],
      stream: false,
    })
    expect(res.done).toBe(true)
    expect(res.message.content).toContain('b0-tok0')
  })

  it('a streamed chat still gets 504 when the backend sends no header in time', async () => {
    const res = await fetch(`${gw.url}/api/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }),
    })
    expect(res.status).toBe(504)
  })
})
