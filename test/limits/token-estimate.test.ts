// Issue 25, "Token limits dodged by leaving early": with a token limit, a stream whose client
// read one frame and left was charged no prompt tokens, and a `stream:false` request the
// client dropped was charged nothing, though the GPU read the prompt. Now the prompt's
// estimate (characters / 4) is charged at admission, settled to the backend's count when the
// final frame comes, and kept (with the frames relayed) when the client leaves.
import { afterEach, describe, expect, test } from 'vitest'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { estimatePromptTokens } from '../../gateway/limits/prompt-estimate.js'
import { TokenMeter } from '../../gateway/limits/token-bucket.js'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

/** 2,000 characters, 400 words: an estimate of 500 tokens; the stand-in counts 400. */
const PROMPT = 'word '.repeat(400)

/** The real `ollama` client, whose requests an AbortController ends (the client leaving). */
function ollamaClient(key: string, controller: AbortController): Ollama {
  return new Ollama({
    host: gw!.url,
    headers: { Authorization: `Bearer ${key}` },
    fetch: (input, init) => fetch(input, { ...init, signal: controller.signal }),
  })
}

/** The status of the next request with this key (429 once its tokens are spent). */
async function nextStatus(key: string): Promise<number> {
  const res = await fetch(`${gw!.url}/api/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
  })
  await res.arrayBuffer()
  return res.status
}

describe('the prompt estimate', () => {
  test('is the characters of the prompt text over 4, on Ollama and OpenAI bodies alike', () => {
    expect(estimatePromptTokens({ model: 'm', prompt: 'x'.repeat(2000) })).toBe(500)
    expect(estimatePromptTokens({ prompt: 'abcde', system: 'abc' })).toBe(2)
    expect(
      estimatePromptTokens({
        messages: [
          { role: 'system', content: 'x'.repeat(40) },
          {
            role: 'user',
            content: [{ type: 'text', text: 'y'.repeat(40) }, { type: 'image_url' }],
          },
        ],
      }),
    ).toBe(20)
    expect(estimatePromptTokens({ input: ['x'.repeat(8), 'y'.repeat(8)] })).toBe(4)
    expect(
      estimatePromptTokens({ instructions: 'x'.repeat(4), input: [{ content: 'y'.repeat(4) }] }),
    ).toBe(2)
    expect(estimatePromptTokens(null)).toBe(0)
  })

  test('is given back to the second it was charged in when the backend counts fewer', () => {
    const clock = { ms: 1_000_000 }
    const meter = new TokenMeter({ now: () => clock.ms })
    const charged = meter.charge('a', 500)
    clock.ms += 3000
    meter.settle('a', charged, 12)
    expect(meter.usage('a')).toBe(12)
    meter.settle('a', meter.charge('a', 10), 30)
    expect(meter.usage('a')).toBe(42)
  })
})

describe('a token limit and clients that leave early (--tpm 30)', () => {
  test('a stream whose ollama client reads one frame and leaves is charged its prompt: the next request gets 429', async () => {
    gw = await startTestGateway({
      backends: [{ frames: 2000, frameIntervalMs: 20 }],
      key: { limits: { tokensPerMinute: 30 } },
    })
    const controller = new AbortController()
    const stream = await ollamaClient(gw.key, controller).generate({
      model: 'llama3.2',
      prompt: PROMPT,
      stream: true,
    })
    const read = await stream[Symbol.asyncIterator]().next()
    expect(read.done).toBe(false)
    controller.abort()
    await gw.fakes[0]!.waitFor((r) => r.path === '/api/generate' && r.aborted, 2000)
    await eventually(async () => expect(await nextStatus(gw!.key)).toBe(429))
  })

  test('a stream:false request the ollama client drops is charged its prompt: the next request gets 429', async () => {
    gw = await startTestGateway({
      backends: [{ firstByteDelayMs: 30_000 }],
      key: { limits: { tokensPerMinute: 30 } },
    })
    const controller = new AbortController()
    const pending = ollamaClient(gw.key, controller)
      .generate({ model: 'llama3.2', prompt: PROMPT, stream: false })
      .catch((e: unknown) => e)
    await gw.fakes[0]!.waitFor((r) => r.path === '/api/generate' && r.body !== undefined)
    controller.abort()
    expect(await pending).toBeInstanceOf(Error)
    await gw.fakes[0]!.waitFor((r) => r.path === '/api/generate' && r.aborted, 2000)
    await eventually(async () => expect(await nextStatus(gw!.key)).toBe(429))
  })

  test('an openai-client stream left after one chunk is charged its prompt too', async () => {
    gw = await startTestGateway({
      backends: [{ frames: 2000, frameIntervalMs: 20 }],
      key: { limits: { tokensPerMinute: 30 } },
    })
    const controller = new AbortController()
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    const stream = await openai.chat.completions.create(
      { model: 'llama3.2', messages: [{ role: 'user', content: PROMPT }], stream: true },
      { signal: controller.signal },
    )
    expect((await stream[Symbol.asyncIterator]().next()).done).toBe(false)
    controller.abort()
    await gw.fakes[0]!.waitFor((r) => r.path === '/v1/chat/completions' && r.aborted, 2000)
    await eventually(async () => expect(await nextStatus(gw!.key)).toBe(429))
  })

  test('a finished stream is settled to the backend’s count: a long prompt of one word leaves room for the next request', async () => {
    gw = await startTestGateway({
      backends: [{ frames: 3, frameIntervalMs: 2 }],
      key: { limits: { tokensPerMinute: 30 } },
    })
    const controller = new AbortController()
    let last: { prompt_eval_count?: number } = {}
    // 2,000 characters (an estimate of 500) that the stand-in counts as one token.
    for await (const part of await ollamaClient(gw.key, controller).generate({
      model: 'llama3.2',
      prompt: 'x'.repeat(2000),
      stream: true,
    })) {
      last = part
    }
    expect(last.prompt_eval_count).toBe(1)
    expect(await nextStatus(gw.key)).toBe(200)
  })
})

describe('a 200 KB conversation (counted from its bytes, lazy-json/)', () => {
  /** Accents, CJK, emoji and escapes: UTF-16 units, as the parsed text's length counts them. */
  const messages = Array.from({ length: 450 }, (_, i) => ({
    role: i % 2 ? 'assistant' : 'user',
    content: `Voilà "ça" 中文 😀\n\t${'word '.repeat(80)}${i}`,
  }))
  const estimate = estimatePromptTokens({ messages })

  /**
   * Sends the conversation with stream:false and drops it before the backend answers (so it
   * is charged the estimate alone, no completion tokens), then says what the next request gets.
   */
  async function dropThenNext(limit: number): Promise<number | 'admitted'> {
    gw = await startTestGateway({
      backends: [{ firstByteDelayMs: 30_000 }],
      key: { limits: { tokensPerMinute: limit } },
    })
    const controller = new AbortController()
    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    const pending = openai.chat.completions
      .create(
        { model: 'llama3.2', messages: messages as OpenAI.ChatCompletionMessageParam[] },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e)
    await gw.fakes[0]!.waitFor((r) => r.path === '/v1/chat/completions' && r.body !== undefined)
    controller.abort()
    expect(await pending).toBeInstanceOf(Error)
    await gw.fakes[0]!.waitFor((r) => r.path === '/v1/chat/completions' && r.aborted, 2000)
    // The charge stands from admission on; wait for the settle at the end all the same.
    await new Promise((resolve) => setTimeout(resolve, 100))
    // A refusal comes at once; an admitted request waits on the same slow backend.
    const admitted = new Promise<'admitted'>((resolve) =>
      setTimeout(() => resolve('admitted'), 1500),
    )
    return Promise.race([nextStatus(gw.key), admitted])
  }

  test('is charged its estimate to the token: at the limit the next request gets 429', async () => {
    expect(JSON.stringify({ messages }).length).toBeGreaterThan(200_000)
    expect(await dropThenNext(estimate)).toBe(429)
  })

  test('one token under the limit, the next request is admitted', async () => {
    expect(await dropThenNext(estimate + 1)).toBe('admitted')
  })
})
