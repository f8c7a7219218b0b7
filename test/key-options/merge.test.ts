import { describe, expect, test } from 'vitest'
import { applyKeyOptions, compileKeyOptions } from '../../gateway/key-options/merge.js'
import {
  keepAliveSeconds,
  parseGoDuration,
  parseKeepAliveMax,
} from '../../gateway/key-options/keep-alive.js'
import type { OllamaOptions } from '../../gateway/config/ollama-options.js'
import { checkOllamaOption } from '../../gateway/config/ollama-options.js'

type Body = Record<string, unknown>

function apply(
  path: string,
  body: Body,
  options: OllamaOptions,
  keepAliveMaxSeconds: number | null = null,
) {
  const compiled = compileKeyOptions({ options, keepAliveMaxSeconds })
  if (compiled === null) throw new Error('nothing compiled')
  const changed = applyKeyOptions(path, body, compiled)
  return { changed, body }
}

describe('a key with no options and no keep-alive cap', () => {
  test('compiles to nothing, so the hot path skips it', () => {
    expect(compileKeyOptions({ options: {}, keepAliveMaxSeconds: null })).toBeNull()
  })
})

describe('option defaults on the Ollama paths', () => {
  test.each<[string, string, Body, OllamaOptions, Body, boolean]>([
    [
      'a body without options gets the key options',
      '/api/chat',
      { model: 'm' },
      { num_ctx: 8192, temperature: 0.2 },
      { model: 'm', options: { num_ctx: 8192, temperature: 0.2 } },
      true,
    ],
    [
      'what the client set wins; only silent names are filled',
      '/api/generate',
      { options: { temperature: 0.9 } },
      { num_ctx: 8192, temperature: 0.2 },
      { options: { temperature: 0.9, num_ctx: 8192 } },
      true,
    ],
    [
      'a null option counts as silent (Ollama skips nulls)',
      '/api/chat',
      { options: { temperature: null } },
      { temperature: 0.2 },
      { options: { temperature: 0.2 } },
      true,
    ],
    [
      'null options are replaced by the defaults',
      '/api/chat',
      { options: null },
      { seed: 7 },
      { options: { seed: 7 } },
      true,
    ],
    [
      'options that are not an object are left for Ollama to refuse',
      '/api/chat',
      { options: 'fast' },
      { seed: 7 },
      { options: 'fast' },
      false,
    ],
    [
      'a client that set everything is not touched',
      '/api/generate',
      { options: { seed: 1, stop: ['x'] } },
      { seed: 7, stop: ['END'] },
      { options: { seed: 1, stop: ['x'] } },
      false,
    ],
    [
      'embeddings take no sampling options',
      '/api/embed',
      { input: 'x' },
      { num_ctx: 8192 },
      { input: 'x' },
      false,
    ],
    [
      'paths without a model body are left alone',
      '/api/show',
      { model: 'm' },
      { num_ctx: 8192 },
      { model: 'm' },
      false,
    ],
  ])('%s', (_name, path, before, options, after, changed) => {
    expect(apply(path, before, options)).toEqual({ changed, body: after })
  })
})

describe('option defaults on the OpenAI paths', () => {
  test.each<[string, string, Body, OllamaOptions, Body]>([
    [
      'fields Ollama’s OpenAI layer reads are set where the client is silent',
      '/v1/chat/completions',
      { model: 'm', temperature: 1 },
      { temperature: 0.2, top_p: 0.5, seed: 3, stop: ['END'], num_ctx: 8192 },
      { model: 'm', temperature: 1, top_p: 0.5, seed: 3, stop: ['END'] },
    ],
    [
      'num_predict becomes max_tokens when the client set no ceiling',
      '/v1/completions',
      { prompt: 'x' },
      { num_predict: 64 },
      { prompt: 'x', max_tokens: 64 },
    ],
    [
      'max_completion_tokens counts as a ceiling the client set',
      '/v1/chat/completions',
      { max_completion_tokens: 10 },
      { num_predict: 64, frequency_penalty: 0.5, presence_penalty: 0.1 },
      { max_completion_tokens: 10, frequency_penalty: 0.5, presence_penalty: 0.1 },
    ],
    [
      'the responses API is not rewritten',
      '/v1/responses',
      { input: 'x' },
      { temperature: 0.2 },
      { input: 'x' },
    ],
  ])('%s', (_name, path, before, options, after) => {
    expect(apply(path, before, options).body).toEqual(after)
  })
})

describe('the keep_alive cap (30 min)', () => {
  const CAP = 1800
  test.each<[string, string, unknown, unknown]>([
    ['-1 (forever) is lowered to the cap', '/api/chat', -1, CAP],
    ['"-1m" (forever) is lowered to the cap', '/api/generate', '-1m', CAP],
    ['a longer duration string is lowered', '/api/chat', '2h', CAP],
    ['a longer number of seconds is lowered', '/api/embed', 3601, CAP],
    ['a shorter duration is kept', '/api/chat', '10m', '10m'],
    ['0 (unload now) is kept', '/api/generate', 0, 0],
    ['an unreadable value is set to the cap', '/api/chat', 'forever', CAP],
    [
      'a missing keep_alive gets Ollama’s 5 min: the server’s own default may be longer',
      '/api/chat',
      undefined,
      300,
    ],
  ])('%s', (_name, path, before, after) => {
    const body: Body = before === undefined ? {} : { keep_alive: before }
    apply(path, body, {}, CAP)
    expect(body.keep_alive).toEqual(after)
  })

  test('a cap shorter than Ollama’s 5 min default is set on a request that names none', () => {
    const body: Body = {}
    expect(apply('/api/chat', body, {}, 60).changed).toBe(true)
    expect(body.keep_alive).toBe(60)
  })

  test('a cap of 0 never turns a preload (empty prompt) into an unload', () => {
    const preload: Body = { model: 'm', prompt: '' }
    apply('/api/generate', preload, {}, 0)
    expect(preload.keep_alive).toBe(1)
    const chatLoad: Body = { model: 'm', messages: [] }
    apply('/api/chat', chatLoad, {}, 0)
    expect(chatLoad.keep_alive).toBe(1)
    const asked: Body = { model: 'm', prompt: '', keep_alive: 0 }
    apply('/api/generate', asked, {}, 0)
    expect(asked.keep_alive).toBe(0) // the client's own unload stays one
    const real: Body = { model: 'm', prompt: 'hi' }
    apply('/api/generate', real, {}, 0)
    expect(real.keep_alive).toBe(0)
  })

  test('the cap does not apply on /v1, where Ollama reads no keep_alive', () => {
    const body: Body = { keep_alive: -1 }
    apply('/v1/chat/completions', body, {}, 60)
    expect(body.keep_alive).toBe(-1)
  })
})

describe('durations as Ollama reads them', () => {
  test.each<[string, number | null]>([
    ['5m', 300],
    ['1h30m', 5400],
    ['1.5h', 5400],
    ['300ms', 0.3],
    ['-1s', -1],
    ['0', 0],
    ['10', null],
    ['5 m', null],
    ['', null],
  ])('%s', (text, seconds) => {
    expect(parseGoDuration(text)).toBe(seconds)
  })

  test('a request keep_alive: negative is forever, null is none, garbage is unreadable', () => {
    expect(keepAliveSeconds(-5)).toBe(Infinity)
    expect(keepAliveSeconds(null)).toBeNull()
    expect(keepAliveSeconds(true)).toBeNaN()
    expect(keepAliveSeconds(90.7)).toBe(90)
  })

  test('the owner’s cap takes 30m, 1h, seconds; negative or unreadable is refused', () => {
    expect(parseKeepAliveMax('30m')).toBe(1800)
    expect(parseKeepAliveMax('90')).toBe(90)
    expect(() => parseKeepAliveMax('-5m')).toThrow(/negative/)
    expect(() => parseKeepAliveMax('soon')).toThrow(/cannot read/)
  })
})

describe('checking options against Ollama’s table', () => {
  test.each<[string, unknown, RegExp | null]>([
    ['num_ctx', 8192, null],
    ['temperature', 0.7, null],
    ['stop', ['END'], null],
    ['use_mmap', false, null],
    ['num_ctxx', 1, /Ollama has no option "num_ctxx" \(known: num_ctx/],
    ['num_ctx', '8192', /"num_ctx" must be a whole number/],
    ['num_ctx', 0.5, /whole number/],
    ['temperature', 'hot', /must be a number/],
    ['stop', 'END', /list of strings/],
    ['mirostat', 3, /mirostat/],
  ])('%s = %j', (name, value, problem) => {
    const got = checkOllamaOption(name, value)
    if (problem === null) expect(got).toBeNull()
    else expect(got).toMatch(problem)
  })
})
