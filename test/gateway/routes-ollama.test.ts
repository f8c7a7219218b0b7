/**
 * Routes Ollama v0.33 serves that Corral refused before (ollama server/routes.go): GET
 * /api/status, and POST /v1/audio/transcriptions, a multipart upload whose `model` field the key's
 * allowlist and the router must see.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({
    backends: [{ models: [{ name: 'llama3.2:latest' }] }, { models: [{ name: 'whisper:small' }] }],
  })
})
afterAll(() => gw.close())

const audio = () => new File([Buffer.from('RIFF\0\0\0\0WAVEfmt ')], 'a.wav', { type: 'audio/wav' })

describe('Ollama routes', () => {
  it('GET /api/status answers with the backend’s cloud status', async () => {
    const res = await fetch(`${gw.url}/api/status`, {
      headers: { authorization: `Bearer ${gw.key}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ cloud: { disabled: false, source: 'none' } })
  })

  it('the OpenAI SDK transcribes through the backend that has the model', async () => {
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    const out = await openai.audio.transcriptions.create({ model: 'whisper:small', file: audio() })
    expect(out.text).toContain('b1-tok0')
    const seen = await gw.fakes[1]!.waitFor((r) => r.path === '/v1/audio/transcriptions')
    expect(String(seen.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/)
  })

  it('a key limited to other models may not transcribe with this one', async () => {
    const limited = await gw.newKey({ name: 'llama-only', models: ['llama3.2'] })
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: limited.key, maxRetries: 0 })
    const err = await openai.audio.transcriptions
      .create({ model: 'whisper:small', file: audio() })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError)
  })
})
