import { describe, expect, test } from 'vitest'
import { capOutputTokens } from '../../gateway/limits/index.js'

const CAP = 256

describe('output token cap', () => {
  test.each<[string, string, Record<string, unknown>, Record<string, unknown>, boolean]>([
    // [case, path, body before, body after, changed]
    [
      'generate without options gets options.num_predict',
      '/api/generate',
      { model: 'm' },
      { model: 'm', options: { num_predict: CAP } },
      true,
    ],
    [
      'chat keeps other options and gets num_predict',
      '/api/chat',
      { options: { temperature: 0.2 } },
      { options: { temperature: 0.2, num_predict: CAP } },
      true,
    ],
    [
      'num_predict 50.5 under the cap is kept: Ollama reads 50; the cap must never raise it',
      '/api/generate',
      { options: { num_predict: 50.5 } },
      { options: { num_predict: 50.5 } },
      false,
    ],
    [
      'num_predict -1 (unbounded) is capped',
      '/api/generate',
      { options: { num_predict: -1 } },
      { options: { num_predict: CAP } },
      true,
    ],
    [
      'num_predict -2 (fill context) is capped',
      '/api/chat',
      { options: { num_predict: -2 } },
      { options: { num_predict: CAP } },
      true,
    ],
    [
      'num_predict 0 (unbounded in Ollama) is capped',
      '/api/chat',
      { options: { num_predict: 0 } },
      { options: { num_predict: CAP } },
      true,
    ],
    [
      'num_predict above the cap is lowered',
      '/api/generate',
      { options: { num_predict: 4096 } },
      { options: { num_predict: CAP } },
      true,
    ],
    [
      'num_predict under the cap is kept',
      '/api/generate',
      { options: { num_predict: 100 } },
      { options: { num_predict: 100 } },
      false,
    ],
    [
      'num_predict equal to the cap is kept',
      '/api/generate',
      { options: { num_predict: CAP } },
      { options: { num_predict: CAP } },
      false,
    ],
    [
      'a string num_predict is replaced',
      '/api/generate',
      { options: { num_predict: '99999' } },
      { options: { num_predict: CAP } },
      true,
    ],
    [
      'null options are replaced',
      '/api/chat',
      { options: null },
      { options: { num_predict: CAP } },
      true,
    ],
    [
      'a base path prefix still counts',
      '/ollama/api/chat',
      {},
      { options: { num_predict: CAP } },
      true,
    ],
    ['a query string is ignored', '/api/generate?x=1', {}, { options: { num_predict: CAP } }, true],
    [
      'chat completions get max_tokens',
      '/v1/chat/completions',
      { model: 'm' },
      { model: 'm', max_tokens: CAP },
      true,
    ],
    [
      'chat completions lower max_tokens',
      '/v1/chat/completions',
      { max_tokens: 9000 },
      { max_tokens: CAP },
      true,
    ],
    [
      'chat completions keep a small max_tokens',
      '/v1/chat/completions',
      { max_tokens: 10 },
      { max_tokens: 10 },
      false,
    ],
    [
      'chat completions lower max_completion_tokens when present',
      '/v1/chat/completions',
      { max_completion_tokens: 9000 },
      { max_completion_tokens: CAP, max_tokens: CAP },
      true,
    ],
    [
      'chat completions keep a small max_completion_tokens',
      '/v1/chat/completions',
      { max_tokens: 5, max_completion_tokens: 10 },
      { max_tokens: 5, max_completion_tokens: 10 },
      false,
    ],
    [
      'a null max_tokens is capped',
      '/v1/chat/completions',
      { max_tokens: null },
      { max_tokens: CAP },
      true,
    ],
    ['completions get max_tokens', '/v1/completions', {}, { max_tokens: CAP }, true],
    [
      'responses get max_output_tokens',
      '/v1/responses',
      { max_output_tokens: 100000 },
      { max_output_tokens: CAP },
      true,
    ],
    [
      'responses keep a small max_output_tokens',
      '/v1/responses',
      { max_output_tokens: 12 },
      { max_output_tokens: 12 },
      false,
    ],
    [
      'messages (Anthropic style) lower max_tokens',
      '/v1/messages',
      { max_tokens: 4096 },
      { max_tokens: CAP },
      true,
    ],
    ['embeddings are left alone', '/v1/embeddings', { input: 'x' }, { input: 'x' }, false],
    ['api/embed is left alone', '/api/embed', { input: 'x' }, { input: 'x' }, false],
  ])('%s', (_case, path, before, after, changed) => {
    const body = structuredClone(before)
    expect(capOutputTokens(path, body, CAP)).toBe(changed)
    expect(body).toEqual(after)
  })

  test('a cap that is not a whole number >= 1 is a programming error', () => {
    expect(() => capOutputTokens('/api/chat', {}, 0)).toThrow(RangeError)
  })
})
