/**
 * Model names resolve as Ollama resolves them (ollama types/model/name.go, internal/modelref):
 * before, `registry.ollama.ai/library/llama3.2:latest`, `library/llama3.2`, `Llama3.2` and
 * `llama3.2:local` were 404 at the router (or refused by the allowlist) while Ollama serves them.
 * Cloud models run on the owner's ollama.com account: a key gets them only when allowed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({
    backends: [
      { models: [{ name: 'llama3.2:latest' }, { name: 'gpt-oss:120b-cloud' }] },
      { models: [{ name: 'qwen2.5:0.5b' }, { name: 'kimi-k2.7-code:cloud' }] },
    ],
    key: { models: ['llama3.2', 'qwen2.5:*', 'gpt-oss:*', 'kimi-k2.7-code:*'] },
  })
})
afterAll(() => gw.close())

const ollamaFor = (key: string) =>
  new Ollama({ host: gw.url, headers: { authorization: `Bearer ${key}` } })

describe('model names', () => {
  it.each([
    'llama3.2',
    'llama3.2:latest',
    'library/llama3.2',
    'registry.ollama.ai/library/llama3.2:latest',
    'Llama3.2:Latest',
    'llama3.2:local',
  ])('%s reaches the backend that has llama3.2 and passes the allowlist', async (model) => {
    const res = await ollamaFor(gw.key).chat({ model, messages: [{ role: 'user', content: 'hi' }] })
    expect(res.message.content).toContain('b0-tok0')
  })

  it('refuses a cloud model to a key the owner did not allow, with a clear 403 in each dialect', async () => {
    const err = await ollamaFor(gw.key)
      .chat({ model: 'gpt-oss:120b-cloud', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e as { status_code?: number; error?: string })
    expect(err).toMatchObject({ status_code: 403 })
    expect(String((err as { error?: string }).error)).toMatch(/cloud model.*ollama\.com/)
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    const v1 = await openai.chat.completions
      .create({ model: 'kimi-k2.7-code:cloud', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(v1).toBeInstanceOf(OpenAI.PermissionDeniedError)
    expect((v1 as InstanceType<typeof OpenAI.APIError>).code).toBe('corral_err_cloud_model')
  })

  it('hides cloud models from the model lists of a key without cloud, shows them with it', async () => {
    const plain = await ollamaFor(gw.key).list()
    expect(plain.models.map((m) => m.name).sort()).toEqual(['llama3.2:latest', 'qwen2.5:0.5b'])
    const cloud = await gw.newKey({ name: 'cloudy', allowCloud: true })
    const listed = await ollamaFor(cloud.key).list()
    expect(listed.models.map((m) => m.name)).toContain('gpt-oss:120b-cloud')
  })

  it('serves a cloud model, in its :cloud and -cloud forms, to a key allowed cloud models', async () => {
    const cloud = await gw.newKey({ name: 'cloud2', allowCloud: true })
    for (const model of ['gpt-oss:120b-cloud', 'gpt-oss:120b:cloud']) {
      const res = await ollamaFor(cloud.key).chat({
        model,
        messages: [{ role: 'user', content: 'hi' }],
      })
      expect(res.message.content, model).toContain('b0-tok0')
    }
    const kimi = await ollamaFor(cloud.key).chat({
      model: 'kimi-k2.7-code:cloud',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(kimi.message.content).toContain('b1-tok0')
  })
})
