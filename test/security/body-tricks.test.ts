// JSON bodies the gateway and a Go backend would read differently. Ollama
// decodes bodies with Go's encoding/json, which matches field names ignoring
// case (with Unicode folding: "ſ" is "s", the Kelvin sign is "k") and lets a
// later field win. The gateway must check the same model and limits the
// backend will use, or refuse the body.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway
/** Inference only, and only the qwen family. */
let qwenOnly: string
/** May manage models, but only the qwen family. */
let qwenManager: string
/** At most 8 output tokens. */
let capped: string
let probe = 0

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.balancer.healthIntervalMs = 600_000) })
  qwenOnly = (await gw.newKey({ name: 'qwen-only', models: ['qwen2.5:*'] })).key
  qwenManager = (
    await gw.newKey({
      name: 'qwen-manager',
      scopes: ['inference', 'models'],
      models: ['qwen2.5:*'],
    })
  ).key
  capped = (await gw.newKey({ name: 'capped', limits: { maxOutputTokens: 8 } })).key
})
afterAll(() => gw.close())

async function post(path: string, key: string, body: string, method = 'POST') {
  const id = `body-${++probe}`
  const res = await request(`${gw.url}${path}`, {
    method: method as 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-probe': id },
    body,
  })
  const text = await res.body.text()
  const upstream = gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id)
  return { status: res.statusCode, text, upstream }
}

/**
 * Pins: the gateway read `model` while Go reads the last of `model`/`MODEL`/
 * `Model`, so `{"model":"qwen2.5:0.5b","MODEL":"llama3.2"}` passed a
 * qwen-only key's model check and ran llama3.2.
 */
describe('field names that differ only in case are refused, not read two ways', () => {
  test.each([
    ['model then MODEL', '{"model":"qwen2.5:0.5b","MODEL":"llama3.2","messages":[]}'],
    ['model then Model', '{"model":"qwen2.5:0.5b","Model":"llama3.2","messages":[]}'],
    ['Model alone', '{"Model":"llama3.2","messages":[]}'],
    ['a long s in stream', '{"model":"qwen2.5:0.5b","messages":[],"\u017ftream":false}'],
  ])('/api/chat: %s', async (_name, body) => {
    const res = await post('/api/chat', qwenOnly, body)
    expect(res.status).toBe(400)
    expect(res.upstream).toEqual([])
  })

  test('/v1/chat/completions: MODEL after model', async () => {
    const res = await post(
      '/v1/chat/completions',
      qwenOnly,
      '{"model":"qwen2.5:0.5b","messages":[],"MODEL":"llama3.2"}',
    )
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text)).toMatchObject({ error: { type: 'invalid_request_error' } })
    expect(res.upstream).toEqual([])
  })

  test('/api/pull: a Name the gateway does not read', async () => {
    const res = await post('/api/pull', qwenManager, '{"Name":"llama3.2"}')
    expect(res.status).toBe(400)
    expect(res.upstream).toEqual([])
  })

  test('an output cap cannot be dodged with Options or a Kelvin-sign max_toKens', async () => {
    const ollama = await post(
      '/api/generate',
      capped,
      '{"model":"llama3.2","prompt":"x","Options":{"num_predict":100000}}',
    )
    expect(ollama.status).toBe(400)
    const openai = await post(
      '/v1/chat/completions',
      capped,
      '{"model":"llama3.2","messages":[],"max_to\u212aens":100000}',
    )
    expect(openai.status).toBe(400)
    expect([...ollama.upstream, ...openai.upstream]).toEqual([])
  })

  test('the same field twice, exactly, is read as the backend reads it: the last one', async () => {
    const res = await post(
      '/api/chat',
      qwenOnly,
      '{"model":"llama3.2","model":"qwen2.5:0.5b","messages":[],"stream":false}',
    )
    expect(res.status).toBe(200)
    expect(res.upstream).toHaveLength(1)
    expect((res.upstream[0]!.body as { model: string }).model).toBe('qwen2.5:0.5b')
  })

  test('ordinary bodies with other capitalised fields still pass', async () => {
    const res = await post(
      '/api/chat',
      qwenOnly,
      '{"model":"qwen2.5:0.5b","messages":[],"stream":false,"X-Client":"ok"}',
    )
    expect(res.status).toBe(200)
  })
})

/**
 * Pins: a key limited to some models checked only `model` on /api/create and
 * `source` on /api/copy, so it could build an allowed name from a forbidden
 * model (`from`, or a `FROM` line of the older `modelfile` text) or overwrite a
 * model outside its list (`destination`).
 */
describe("model management stays inside the key's model list", () => {
  test('create from a model outside the list is refused', async () => {
    const res = await post(
      '/api/create',
      qwenManager,
      JSON.stringify({ model: 'qwen2.5:mine', from: 'llama3.2' }),
    )
    expect(res.status).toBe(403)
    expect(res.upstream).toEqual([])
  })

  test('copy onto a name outside the list is refused', async () => {
    const res = await post(
      '/api/copy',
      qwenManager,
      JSON.stringify({ source: 'qwen2.5:0.5b', destination: 'llama3.2' }),
    )
    expect(res.status).toBe(403)
    expect(res.upstream).toEqual([])
  })

  test.each([
    'FROM llama3.2\nSYSTEM hi',
    '# base\n  from "llama3.2:latest"\nPARAMETER temperature 1',
    'FROM qwen2.5:0.5b\nFROM llama3.2',
  ])('the older modelfile text cannot start from a model outside the list: %j', async (mf) => {
    const res = await post(
      '/api/create',
      qwenManager,
      JSON.stringify({ model: 'qwen2.5:mine', modelfile: mf, stream: false }),
    )
    expect(res.status).toBe(403)
    expect(res.upstream).toEqual([])
  })

  // A local file is refused since issue 25 (test/security/create-sources.test.ts).
  test('a modelfile from an allowed model passes', async () => {
    for (const mf of ['FROM qwen2.5:0.5b', 'from "qwen2.5:0.5b"\nSYSTEM hi']) {
      const res = await post(
        '/api/create',
        qwenManager,
        JSON.stringify({ model: 'qwen2.5:mine', modelfile: mf, stream: false }),
      )
      expect(res.status, mf).toBe(200)
    }
  })

  test('create and copy inside the list pass', async () => {
    expect(
      (
        await post(
          '/api/create',
          qwenManager,
          JSON.stringify({ model: 'qwen2.5:mine', from: 'qwen2.5:0.5b', stream: false }),
        )
      ).status,
    ).toBe(200)
    expect(
      (
        await post(
          '/api/copy',
          qwenManager,
          JSON.stringify({ source: 'qwen2.5:0.5b', destination: 'qwen2.5:copy' }),
        )
      ).status,
    ).toBe(200)
  })
})
