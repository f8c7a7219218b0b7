import { describe, expect, it } from 'vitest'
import {
  createUsageTap,
  dialectForPath,
  isStreamingContentType,
  type Dialect,
  type Usage,
} from '../../gateway/stats/usage-tap.js'
import { HEAD_BYTES, TAIL_BYTES } from '../../gateway/stats/line-splitter.js'
import * as fx from './fixtures/streams.js'

interface Case {
  name: string
  dialect: Dialect
  streaming: boolean
  body: () => string
  expected: Partial<Usage>
  /** Also split in two at every byte boundary (O(n²): the main stream shapes only). */
  everyBoundary?: boolean
}

const CASES: Case[] = [
  {
    name: 'an Ollama /api/chat stream',
    everyBoundary: true,
    dialect: 'ollama',
    streaming: true,
    body: () => fx.ollamaChatStream(),
    expected: {
      promptTokens: 26,
      completionTokens: 298,
      contentChunks: 17,
      done: true,
      error: null,
      estimated: false,
    },
  },
  {
    name: 'an Ollama /api/chat stream with CRLF line ends',
    dialect: 'ollama',
    streaming: true,
    body: () => fx.ollamaChatStream({ crlf: true }),
    expected: { promptTokens: 26, completionTokens: 298, contentChunks: 17, done: true },
  },
  {
    name: 'an Ollama stream cut by an error frame',
    everyBoundary: true,
    dialect: 'ollama',
    streaming: true,
    body: () => fx.ollamaErrorMidStream(),
    expected: {
      promptTokens: null,
      completionTokens: 4,
      contentChunks: 4,
      done: false,
      error: 'an error was encountered while running the model: unexpected EOF',
      estimated: true,
    },
  },
  {
    name: 'an Ollama /api/pull stream',
    dialect: 'ollama',
    streaming: true,
    body: () => fx.ollamaPullStream(),
    expected: {
      promptTokens: null,
      completionTokens: null,
      contentChunks: 0,
      done: true,
      estimated: false,
    },
  },
  {
    name: 'a non-streaming Ollama /api/chat body',
    everyBoundary: true,
    dialect: 'ollama',
    streaming: false,
    body: () => fx.ollamaChatBody(),
    expected: {
      promptTokens: 26,
      completionTokens: 282,
      contentChunks: 0,
      done: true,
      error: null,
    },
  },
  {
    name: 'an OpenAI chat stream with a usage chunk',
    everyBoundary: true,
    dialect: 'openai',
    streaming: true,
    body: () => fx.openaiChatStream({ usage: true }),
    expected: {
      promptTokens: 31,
      completionTokens: 42,
      contentChunks: 17,
      done: true,
      estimated: false,
    },
  },
  {
    name: 'an OpenAI chat stream with CRLF line ends',
    dialect: 'openai',
    streaming: true,
    body: () => fx.openaiChatStream({ usage: true, crlf: true }),
    expected: { promptTokens: 31, completionTokens: 42, contentChunks: 17, done: true },
  },
  {
    name: 'an OpenAI chat stream without usage',
    everyBoundary: true,
    dialect: 'openai',
    streaming: true,
    body: () => fx.openaiChatStream({ usage: false }),
    expected: {
      promptTokens: null,
      completionTokens: 17,
      contentChunks: 17,
      done: true,
      estimated: true,
    },
  },
  {
    name: 'an OpenAI chat stream with "usage":null on every chunk',
    dialect: 'openai',
    streaming: true,
    body: () => fx.openaiChatStreamWithNullUsage(),
    expected: {
      promptTokens: 5,
      completionTokens: 17,
      contentChunks: 17,
      done: true,
      estimated: false,
    },
  },
  {
    name: 'an OpenAI tool-call stream',
    dialect: 'openai',
    streaming: true,
    body: () => fx.openaiToolCallStream(),
    expected: { completionTokens: 2, contentChunks: 2, done: true, estimated: true },
  },
  {
    name: 'a Responses API stream',
    everyBoundary: true,
    dialect: 'openai',
    streaming: true,
    body: () => fx.openaiResponsesStream(),
    expected: {
      promptTokens: 12,
      completionTokens: 34,
      contentChunks: 17,
      done: true,
      error: null,
    },
  },
  {
    name: 'an Anthropic-style /v1/messages stream',
    everyBoundary: true,
    dialect: 'openai',
    streaming: true,
    body: () => fx.anthropicMessagesStream(),
    expected: { promptTokens: 25, completionTokens: 15, contentChunks: 17, done: true },
  },
  {
    name: 'a non-streaming OpenAI chat completion',
    dialect: 'openai',
    streaming: false,
    body: () => fx.openaiChatBody(),
    expected: { promptTokens: 19, completionTokens: 77, done: true, error: null },
  },
  {
    name: 'an OpenAI error body',
    dialect: 'openai',
    streaming: false,
    body: () => fx.openaiErrorBody(),
    expected: { error: 'model "nope" not found, try pulling it first', done: false },
  },
  {
    name: 'an OpenAI error body where a stream was expected',
    dialect: 'openai',
    streaming: true,
    body: () => fx.openaiErrorBody(),
    expected: {
      error: 'model "nope" not found, try pulling it first',
      done: false,
      contentChunks: 0,
    },
  },
]

/** Cases too big to split at every boundary (each would be O(n²)). */
const BIG_CASES: Case[] = [
  {
    name: 'an Ollama /api/generate stream whose final frame carries a huge context',
    dialect: 'ollama',
    streaming: true,
    body: () => fx.ollamaGenerateStreamWithHugeContext(15_000),
    expected: {
      promptTokens: 2611,
      completionTokens: 259,
      contentChunks: 17,
      done: true,
      estimated: false,
    },
  },
  {
    name: 'a large non-streaming Ollama /api/embed body',
    dialect: 'ollama',
    streaming: false,
    body: () => fx.ollamaEmbedBody(2, 2048),
    expected: { promptTokens: 8, completionTokens: null, done: true, error: null },
  },
  {
    name: 'a large non-streaming OpenAI embeddings body',
    dialect: 'openai',
    streaming: false,
    body: () => fx.openaiEmbeddingsBody(2, 2048),
    expected: { promptTokens: 40, completionTokens: null, done: true, error: null },
  },
]

/**
 * Feeds pieces to a fresh tap. Each piece is a private copy that is overwritten right
 * after `push`, as a caller reusing its buffer would: the tap must keep what it needs.
 */
function run(c: Case, pieces: readonly Buffer[]): Usage {
  const tap = createUsageTap(c.dialect, { streaming: c.streaming })
  for (const piece of pieces) {
    const copy = Buffer.from(piece)
    tap.push(copy)
    copy.fill(0x7b)
  }
  return tap.end()
}

/**
 * As `run`, but each piece is handed over as a range of a larger buffer, as the relay does
 * with a backend socket's read buffer: the bytes around the range are a stale frame, with
 * its newlines and its own counts, which the tap must not read.
 */
function runRanges(c: Case, pieces: readonly Buffer[]): Usage {
  const stale = Buffer.from('x\n{"done":true,"eval_count":999,"prompt_eval_count":999}\n\n')
  const tap = createUsageTap(c.dialect, { streaming: c.streaming })
  for (const piece of pieces) {
    const pad = 1 + (piece.length % stale.length)
    const read = Buffer.alloc(pad + piece.length + stale.length)
    for (let i = 0; i < read.length; i += stale.length) stale.copy(read, i)
    piece.copy(read, pad)
    tap.push(read, pad, pad + piece.length)
    read.fill(0x7b)
  }
  return tap.end()
}

function splitAt(buf: Buffer, points: readonly number[]): Buffer[] {
  const cuts = [0, ...[...points].sort((a, b) => a - b), buf.length]
  return cuts.slice(1).map((end, i) => buf.subarray(cuts[i], end))
}

/** A small seeded PRNG so failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0
    return s / 2 ** 32
  }
}

function randomSplits(buf: Buffer, trials: number, seed: number): Buffer[][] {
  const rand = prng(seed)
  return Array.from({ length: trials }, () => {
    const count = 1 + Math.floor(rand() * 40)
    const points = Array.from({ length: count }, () => Math.floor(rand() * buf.length))
    return splitAt(buf, points)
  })
}

describe('usage tap', () => {
  describe.each(CASES)('on $name', (c) => {
    const body = Buffer.from(c.body())

    it('reads the expected usage from the whole body', () => {
      expect(run(c, [body])).toMatchObject(c.expected)
    })

    if (c.everyBoundary === true) {
      it('gives the same usage split in two at every byte boundary', () => {
        const whole = run(c, [body])
        for (let i = 1; i < body.length; i++) {
          const got = run(c, [body.subarray(0, i), body.subarray(i)])
          if (JSON.stringify(got) !== JSON.stringify(whole)) {
            expect({ split: i, got }).toEqual({ split: i, got: whole })
          }
        }
      })

      it('gives the same usage when fed one byte at a time', () => {
        const bytes = Array.from({ length: body.length }, (_, i) => body.subarray(i, i + 1))
        expect(run(c, bytes)).toEqual(run(c, [body]))
      })
    }

    it('gives the same usage for random multi-way splits', () => {
      const whole = run(c, [body])
      for (const pieces of randomSplits(body, 200, body.length)) {
        expect(run(c, pieces)).toEqual(whole)
      }
    })

    it('gives the same usage fed as byte ranges of a reused read buffer', () => {
      const whole = run(c, [body])
      for (const pieces of randomSplits(body, 50, body.length + 1)) {
        expect(runRanges(c, pieces)).toEqual(whole)
      }
    })
  })

  describe.each(BIG_CASES)('on $name', (c) => {
    const body = Buffer.from(c.body())

    it('reads the expected usage with bounded buffers', () => {
      expect(body.length).toBeGreaterThan(HEAD_BYTES + 2 * TAIL_BYTES)
      expect(run(c, [body])).toMatchObject(c.expected)
    })

    it('gives the same usage when fed one byte at a time and in random splits', () => {
      const whole = run(c, [body])
      const bytes = Array.from({ length: body.length }, (_, i) => body.subarray(i, i + 1))
      expect(run(c, bytes)).toEqual(whole)
      for (const pieces of randomSplits(body, 20, 7)) expect(run(c, pieces)).toEqual(whole)
    })
  })

  it('splits inside every multi-byte UTF-8 sequence without changing the result', () => {
    const c = CASES[0]!
    const body = Buffer.from(c.body())
    const whole = run(c, [body])
    let inside = 0
    for (let i = 1; i < body.length; i++) {
      if ((body[i]! & 0xc0) !== 0x80) continue // only cuts that land mid-character
      inside++
      expect(run(c, [body.subarray(0, i), body.subarray(i)])).toEqual(whole)
    }
    expect(inside).toBeGreaterThan(20)
  })

  it('accepts Uint8Array chunks as undici delivers them', () => {
    const tap = createUsageTap('openai', { streaming: true })
    const body = new TextEncoder().encode(fx.openaiChatStream({ usage: true }))
    tap.push(body.subarray(0, 100))
    tap.push(body.subarray(100))
    expect(tap.end()).toMatchObject({ promptTokens: 31, completionTokens: 42 })
  })

  it('returns the same result from end() twice and ignores bytes after it', () => {
    const tap = createUsageTap('ollama', { streaming: true })
    tap.push(Buffer.from(fx.ollamaChatStream()))
    const first = tap.end()
    tap.push(Buffer.from('{"done":true,"eval_count":1}\n'))
    expect(tap.end()).toBe(first)
  })

  it('counts the frames of an Ollama stream cut before its final frame', () => {
    const body = fx.ollamaChatStream()
    const cut = body.slice(0, body.indexOf('"done":true') - 40)
    const usage = run(CASES[0]!, [Buffer.from(cut)])
    expect(usage).toMatchObject({ done: false, estimated: true, promptTokens: null })
    expect(usage.completionTokens).toBe(usage.contentChunks)
  })

  it('reads a 20 MB stream and a 20 MB single-line body correctly', () => {
    const frame = `${JSON.stringify({ model: 'm', created_at: 'x', message: { role: 'assistant', content: 'tok ' }, done: false })}\n`
    const frames = Math.ceil((20 * 1024 * 1024) / frame.length)
    const chunk = Buffer.from(frame.repeat(500))
    const tap = createUsageTap('ollama', { streaming: true })
    for (let sent = 0; sent < frames; sent += 500) tap.push(chunk)
    tap.push(Buffer.from('{"done":true,"prompt_eval_count":3,"eval_count":4}\n'))
    expect(tap.end()).toMatchObject({ promptTokens: 3, completionTokens: 4, done: true })
    expect(tap.end().contentChunks).toBe(Math.ceil(frames / 500) * 500)

    const line = createUsageTap('ollama', { streaming: true })
    line.push(Buffer.from('{"model":"m","done":true,"context":['))
    const numbers = Buffer.from('123456,'.repeat(150_000))
    for (let i = 0; i < 20; i++) line.push(numbers)
    line.push(Buffer.from('1],"prompt_eval_count":77,"eval_count":88}\n'))
    expect(line.end()).toMatchObject({ promptTokens: 77, completionTokens: 88, done: true })
  })

  it('picks the dialect from the path and streaming from the Content-Type', () => {
    expect(dialectForPath('/v1/chat/completions')).toBe('openai')
    expect(dialectForPath('/api/chat')).toBe('ollama')
    expect(isStreamingContentType('application/x-ndjson')).toBe(true)
    expect(isStreamingContentType('text/event-stream; charset=utf-8')).toBe(true)
    expect(isStreamingContentType('application/json; charset=utf-8')).toBe(false)
    expect(isStreamingContentType(undefined)).toBe(false)
  })
})
