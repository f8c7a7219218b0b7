// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readControlToken, TOKEN_STORAGE_KEY } from '../../renderer/src/api/token.js'
import { SseParser } from '../../renderer/src/api/sse.js'
import {
  errorFromResponse,
  humanizeValidation,
  UNAUTHORIZED,
} from '../../renderer/src/api/errors.js'
import { guardUnauthorized } from '../../renderer/src/app.js'
import {
  formatAgo,
  formatBytes,
  formatCount,
  formatDuration,
  formatRate,
} from '../../renderer/src/format.js'
import { FakeApi } from './fake-api.js'

describe('the control token', () => {
  beforeEach(() => {
    sessionStorage.clear()
    history.replaceState(null, '', '/')
  })
  afterEach(() => {
    delete window.corral
  })

  it('is read from the fragment, kept for reloads and taken out of the address bar', () => {
    history.replaceState(null, '', '/#token=abc-DEF_123')
    expect(readControlToken()).toBe('abc-DEF_123')
    expect(location.hash).toBe('')
    expect(location.href).not.toContain('abc-DEF_123')
    expect(sessionStorage.getItem(TOKEN_STORAGE_KEY)).toBe('abc-DEF_123')
    // A reload has no fragment any more: the stored token is used.
    expect(readControlToken()).toBe('abc-DEF_123')
  })

  it('keeps the rest of the fragment (the view) when it removes the token', () => {
    history.replaceState(null, '', '/#keys&token=t1')
    expect(readControlToken()).toBe('t1')
    expect(location.hash).toBe('#keys')
  })

  it('comes from the desktop app’s preload when there is one', () => {
    window.corral = { controlToken: 'from-preload' }
    history.replaceState(null, '', '/#token=from-url')
    expect(readControlToken()).toBe('from-preload')
  })

  it('is absent when the window was opened without one', () => {
    expect(readControlToken()).toBeNull()
  })
})

describe('the live feed parser', () => {
  it('reads events split anywhere across chunks, skipping keep-alive comments', () => {
    const p = new SseParser()
    const text =
      'event: tick\ndata: {"rps":1}\n\n: keep-alive\n\nevent: request\r\ndata: {"path":"/api/chat"}\r\n\r\n'
    const out = []
    for (const ch of text) out.push(...p.push(ch))
    expect(out).toEqual([
      { event: 'tick', data: '{"rps":1}' },
      { event: 'request', data: '{"path":"/api/chat"}' },
    ])
  })

  it('joins multi-line data and defaults the event name', () => {
    expect(new SseParser().push('data: a\ndata: b\n\n')).toEqual([
      { event: 'message', data: 'a\nb' },
    ])
  })
})

describe('errors in words', () => {
  it.each([
    ['body/name must NOT have fewer than 1 characters', "name can't be empty"],
    ['body/server/port must be <= 65535', 'port must be at most 65535'],
    ['body/limits/tokensPerMinute must be integer', 'tokens per minute must be a whole number'],
    ['querystring/since must be string', 'since must be string'],
    ['no backend with id, name or URL "x"', 'no backend with id, name or URL "x"'],
  ])('%j reads as %j', (raw, readable) => {
    expect(humanizeValidation(raw)).toBe(readable)
  })

  it('turns statuses into what a person can do about them', () => {
    expect(errorFromResponse(401, 'missing or wrong control token').message).toBe(UNAUTHORIZED)
    expect(
      errorFromResponse(403, 'this control listener only answers to 127.0.0.1 and localhost')
        .message,
    ).toContain('Open the control window at 127.0.0.1 or localhost')
    expect(errorFromResponse(400, 'body/stats/retentionDays must be >= 1').message).toBe(
      'Retention days must be at least 1.',
    )
    expect(errorFromResponse(503, 'request stats are unavailable').message).toBe(
      'Request stats are unavailable.',
    )
    expect(errorFromResponse(500, 'internal error').message).toBe(
      'Something went wrong inside Corral (error 500). Its log has the details.',
    )
  })

  it('switches the window to the lock screen once a call is refused for its token', async () => {
    const api = new FakeApi()
    api.failNext('keys', 401, 'missing or wrong control token')
    let locked = 0
    const guarded = guardUnauthorized(api, () => locked++)
    await expect(guarded.keys()).rejects.toThrow(UNAUTHORIZED)
    await guarded.keys()
    expect(locked).toBe(1)
  })
})

describe('numbers for people', () => {
  it.each([
    [formatRate(0), '0'],
    [formatRate(0.42), '0.4'],
    [formatRate(12.6), '13'],
    [formatCount(950), '950'],
    [formatCount(12_345), '12.3k'],
    [formatCount(250_000), '250k'],
    [formatCount(2_500_000), '2.5M'],
    [formatDuration(85), '85 ms'],
    [formatDuration(1530), '1.5 s'],
    [formatDuration(95_000), '1 min 35 s'],
    [formatBytes(397_821_319), '397.8 MB'],
    [formatAgo(null), 'never'],
    [formatAgo(Date.now() - 10_000), 'just now'],
    [formatAgo(Date.now() - 3 * 3_600_000), '3 h ago'],
  ])('%s is %s', (got, want) => {
    expect(got).toBe(want)
  })
})
