// Per-key model options, end to end: the real `ollama` and `openai` clients through the
// gateway, and what the stand-in backend received.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import type { RecordedRequest } from '../support/fake-ollama.js'

let gw: TestGateway
let keyId: string
let ollama: Ollama
let openai: OpenAI
let plain: Ollama

beforeAll(async () => {
  gw = await startTestGateway({ backends: [{ frames: 2, frameIntervalMs: 1 }] })
  const created = await gw.control<{ id: string; key: string }>('POST', '/control/keys', {
    name: 'tuned',
    options: { num_ctx: 8192, temperature: 0.2, seed: 42, stop: ['END'] },
    keepAliveMax: '30m',
  })
  expect(created.status).toBe(201)
  keyId = created.body.id
  ollama = new Ollama({ host: gw.url, headers: { Authorization: `Bearer ${created.body.key}` } })
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: created.body.key, maxRetries: 0 })
  plain = new Ollama({ host: gw.url, headers: { Authorization: `Bearer ${gw.key}` } })
})
afterAll(() => gw.close())
beforeEach(() => gw.fakes[0]!.reset())

const lastBody = (p: string) => {
  const r = gw.fakes[0]!.requests.filter((x: RecordedRequest) => x.path === p).at(-1)
  if (!r) throw new Error(`the backend saw no ${p}`)
  return r.body as Record<string, unknown>
}

describe('a key with model options, on /api/chat and /api/generate', () => {
  test('a client that sets nothing gets every key option', async () => {
    await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
    expect(lastBody('/api/chat').options).toEqual({
      num_ctx: 8192,
      temperature: 0.2,
      seed: 42,
      stop: ['END'],
    })
  })

  test('what the client sent is kept; only the names it left out are filled in', async () => {
    await ollama.generate({
      model: 'llama3.2',
      prompt: 'hi',
      stream: false,
      options: { temperature: 0.9, num_ctx: 2048 },
    })
    expect(lastBody('/api/generate').options).toEqual({
      temperature: 0.9,
      num_ctx: 2048,
      seed: 42,
      stop: ['END'],
    })
  })

  test('keep_alive -1 is lowered to the 30 min cap; a shorter one is kept', async () => {
    await ollama.generate({ model: 'llama3.2', prompt: 'hi', stream: false, keep_alive: -1 })
    expect(lastBody('/api/generate').keep_alive).toBe(1800)
    await ollama.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      keep_alive: '10m',
    })
    expect(lastBody('/api/chat').keep_alive).toBe('10m')
  })

  test('a key without options: nothing is added to what its client sent', async () => {
    await plain.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
    const body = lastBody('/api/chat')
    expect(body.options).toBeUndefined()
    expect(body.keep_alive).toBeUndefined()
  })
})

describe('a key with model options, on /v1/chat/completions', () => {
  test('temperature, seed and stop are set where the OpenAI client was silent; num_ctx is not', async () => {
    await openai.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
    })
    const body = lastBody('/v1/chat/completions')
    expect(body).toMatchObject({ temperature: 0.2, seed: 42, stop: ['END'] })
    expect(body).not.toHaveProperty('num_ctx')
    expect(body).not.toHaveProperty('options')
  })

  test('the client’s own temperature and stop win', async () => {
    await openai.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 1.3,
      stop: 'STOP',
    })
    expect(lastBody('/v1/chat/completions')).toMatchObject({
      temperature: 1.3,
      stop: 'STOP',
      seed: 42,
    })
  })
})

describe('changing a key’s options', () => {
  test('PATCH merges: a name set to null is removed, others are kept, the next request sees it', async () => {
    const res = await gw.control<{ options: Record<string, unknown> }>(
      'PATCH',
      `/control/keys/${keyId}`,
      { options: { temperature: null, top_k: 20 } },
    )
    expect(res.status).toBe(200)
    expect(res.body.options).toEqual({ num_ctx: 8192, seed: 42, stop: ['END'], top_k: 20 })
    await ollama.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
    expect(lastBody('/api/chat').options).toEqual({
      num_ctx: 8192,
      seed: 42,
      stop: ['END'],
      top_k: 20,
    })
  })

  test.each<[string, unknown, RegExp]>([
    ['an option Ollama does not know', { options: { num_ctxx: 4096 } }, /no option "num_ctxx"/],
    ['a number sent as text', { options: { num_ctx: '4096' } }, /"num_ctx" must be a whole number/],
    ['a negative keep-alive cap', { keepAliveMax: '-5m' }, /negative/],
    ['an unreadable keep-alive cap', { keepAliveMax: 'a while' }, /cannot read/],
  ])('%s gets a clear 400 and changes nothing', async (_name, patch, message) => {
    const configFile = path.join(gw.dataDir, 'config.json')
    const before = fs.readFileSync(configFile, 'utf8')
    const res = await gw.control<{ error: string }>('PATCH', `/control/keys/${keyId}`, patch)
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(message)
    expect(fs.readFileSync(configFile, 'utf8')).toBe(before)
  })

  test('an unknown key id gets a clear error and changes nothing', async () => {
    const configFile = path.join(gw.dataDir, 'config.json')
    const before = fs.readFileSync(configFile, 'utf8')
    const res = await gw.control<{ error: string }>('PATCH', '/control/keys/nope', {
      options: { num_ctx: 4096 },
    })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(res.body.error).toMatch(/no key with id or name "nope"/)
    expect(fs.readFileSync(configFile, 'utf8')).toBe(before)
  })

  test('options: null removes them all, and the key’s requests pass untouched again', async () => {
    await gw.control('PATCH', `/control/keys/${keyId}`, { options: null, keepAliveMax: null })
    await ollama.generate({ model: 'llama3.2', prompt: 'hi', stream: false, keep_alive: -1 })
    const body = lastBody('/api/generate')
    expect(body.options).toBeUndefined()
    expect(body.keep_alive).toBe(-1)
  })
})
