/**
 * Claude Code and the Anthropic SDK talk to /v1/messages. Before, Corral's own errors there came
 * in OpenAI's shape, and a stream it had to cut (a backend dying, a kick) ended with an unnamed
 * `data:` frame the Anthropic SDK ignores, so a cut answer looked complete. Now errors speak
 * Anthropic's shape and a cut stream ends with `event: error`; /v1/responses likewise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import Anthropic from '@anthropic-ai/sdk'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({ backends: [{ frames: 6, frameIntervalMs: 5 }] })
})
afterAll(() => gw.close())

const anthropic = (key: string) => new Anthropic({ baseURL: gw.url, apiKey: key, maxRetries: 0 })
const ask = {
  model: 'llama3.2',
  max_tokens: 100,
  messages: [{ role: 'user' as const, content: 'hi' }],
}

describe('Anthropic Messages through the gateway', () => {
  it('the Anthropic SDK (x-api-key) gets a message and a stream', async () => {
    const msg = await anthropic(gw.key).messages.create(ask)
    expect(msg.content[0]).toMatchObject({ type: 'text' })
    const final = await anthropic(gw.key).messages.stream(ask).finalMessage()
    expect(final.usage.output_tokens).toBe(6)
  })

  it("Corral's own refusals come in Anthropic's error shape", async () => {
    const limited = await gw.newKey({ name: 'qwen-only', models: ['qwen2.5:*'] })
    const err = await anthropic(limited.key)
      .messages.create(ask)
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.PermissionDeniedError)
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': limited.key, 'content-type': 'application/json' },
      body: JSON.stringify(ask),
    })
    expect(await res.json()).toEqual({
      type: 'error',
      error: { type: 'permission_error', message: expect.stringContaining('llama3.2') },
    })
  })

  it('a stream cut mid-way ends with event: error, and the SDK reports it', async () => {
    gw.fakes[0]!.fault(
      { kind: 'break-mid-stream', afterFrames: 4 },
      { times: 1, paths: ['/v1/messages'] },
    )
    const err = await anthropic(gw.key)
      .messages.stream(ask)
      .finalMessage()
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.APIError)
    expect(String((err as Error).message)).toContain('the backend stopped')
  })

  it('a /v1/responses stream cut mid-way ends with an error event the OpenAI SDK throws on', async () => {
    gw.fakes[0]!.fault(
      { kind: 'break-mid-stream', afterFrames: 5 },
      { times: 1, paths: ['/v1/responses'] },
    )
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    const stream = await openai.responses.create({ model: 'llama3.2', input: 'hi', stream: true })
    const seen: string[] = []
    const err = await (async () => {
      for await (const ev of stream) seen.push(ev.type)
    })().catch((e: unknown) => e)
    expect(seen).not.toContain('response.completed')
    expect(err).toBeInstanceOf(OpenAI.APIError)
    // On the wire: the Responses API's own named error event, not a bare `data:` frame.
    gw.fakes[0]!.fault(
      { kind: 'break-mid-stream', afterFrames: 5 },
      { times: 1, paths: ['/v1/responses'] },
    )
    const raw = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}` },
      body: JSON.stringify({ model: 'llama3.2', input: 'hi', stream: true }),
    }).then((r) => r.text())
    const last = raw.trim().split('\n\n').at(-1)!
    expect(last.split('\n')[0]).toBe('event: error')
    expect(JSON.parse(last.split('\n')[1]!.slice('data: '.length))).toMatchObject({
      type: 'error',
      code: 'corral_err_stream_broken',
    })
  })
})
