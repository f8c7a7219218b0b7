import { describe, expect, it } from 'vitest'
import {
  computeTokensPerSecond,
  isErrorRecord,
  normalizeRecord,
  redactPath,
} from '../../gateway/stats/record.js'
import { rec } from './fixtures/records.js'
import { BoundedBuffer, HEAD_BYTES, TAIL_BYTES } from '../../gateway/stats/line-splitter.js'

describe('request records', () => {
  it.each([
    { completion: 100, duration: 5000, ttfb: 1000, tps: 25, why: 'generation is duration − ttfb' },
    {
      completion: 100,
      duration: 2000,
      ttfb: 2000,
      tps: 50,
      why: 'a one-shot answer uses the whole duration',
    },
    {
      completion: 100,
      duration: 2000,
      ttfb: null,
      tps: 50,
      why: 'no first byte: the whole duration',
    },
    { completion: 0, duration: 2000, ttfb: 10, tps: null, why: 'no tokens' },
    { completion: null, duration: 2000, ttfb: 10, tps: null, why: 'unknown tokens' },
    { completion: 10, duration: 0, ttfb: 0, tps: null, why: 'no time' },
    { completion: 3, duration: 700, ttfb: 400, tps: 10, why: 'rounded to 0.01' },
  ])('computes tokens per second when $why', ({ completion, duration, ttfb, tps }) => {
    expect(computeTokensPerSecond(completion, duration, ttfb)).toBe(tps)
  })

  it('counts error statuses and backends failing mid-stream as errors', () => {
    expect(isErrorRecord({ status: 200, outcome: 'done' })).toBe(false)
    expect(isErrorRecord({ status: 200, outcome: 'client_aborted' })).toBe(false)
    expect(isErrorRecord({ status: 200, outcome: 'backend_error' })).toBe(true)
    expect(isErrorRecord({ status: 429, outcome: 'limited' })).toBe(true)
  })

  it('fills in tokens per second when the caller left it out', () => {
    const record = {
      ...rec({ durationMs: 1000, ttfbMs: 200, completionTokens: 40 }),
      tokensPerSecond: null,
    }
    expect(normalizeRecord(record).tokensPerSecond).toBe(50)
  })

  it('drops the query string and masks key-shaped segments in paths', () => {
    expect(redactPath('/api/chat?key=whatever')).toBe('/api/chat')
    expect(redactPath('/x/crl_abcdefghij_KLMNOP-123/api/tags')).toBe('/x/crl_[redacted]/api/tags')
    expect(redactPath('/v1/models')).toBe('/v1/models')
  })
})

describe('bounded buffer', () => {
  it('never holds more than its head and two tails, however much passes', () => {
    const buffer = new BoundedBuffer()
    const piece = Buffer.alloc(10_000, 0x61)
    for (let i = 0; i < 500; i++) {
      buffer.append(piece)
      expect(buffer.heldBytes).toBeLessThanOrEqual(2 * HEAD_BYTES + 2 * TAIL_BYTES)
    }
    buffer.append(Buffer.from('THE END'))
    const { bytes, truncated } = buffer.take()
    expect(truncated).toBe(true)
    expect(bytes.subarray(-7).toString()).toBe('THE END')
    expect(bytes.length).toBeLessThanOrEqual(HEAD_BYTES + 1 + 2 * TAIL_BYTES)
  })
})
