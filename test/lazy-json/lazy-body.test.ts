// A large body is parsed only where the gateway reads it. What it does with the body must
// come out as it would from JSON.parse's object: the prompt estimate counted from the bytes,
// a rewrite that copies what it did not read, and reads and writes of any member.
import { describe, expect, test } from 'vitest'
import { scanObject } from '../../gateway/lazy-json/scan.js'
import { lazyJsonBody, unreadMember } from '../../gateway/lazy-json/lazy-body.js'
import { estimatePromptTokens } from '../../gateway/limits/prompt-estimate.js'
import { rewriteBody, snapshotBody } from '../../gateway/proxy/body-rewrite.js'
import { randomBody, rng } from './random-json.js'

const lazy = (buf: Buffer, eager = ['model', 'options']) =>
  lazyJsonBody(buf, scanObject(buf, 512), new Set(eager), 0)

function validBodies(seed: number, n: number): Buffer[] {
  const r = rng(seed)
  const out: Buffer[] = []
  while (out.length < n) {
    const buf = Buffer.from(randomBody(r))
    try {
      const v = JSON.parse(buf.toString()) as unknown
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) out.push(buf)
    } catch {
      // only valid objects here
    }
  }
  return out
}

describe('members parsed when read', () => {
  test('a member is parsed on its first read, once, and can be set before or after', () => {
    const buf = Buffer.from('{"model":"m","messages":[{"role":"user","content":"hi"}],"x":1}')
    const body = lazy(buf)
    expect(unreadMember(body, 'model')).toBeNull()
    expect(unreadMember(body, 'messages')).not.toBeNull()
    expect('messages' in body).toBe(true)
    expect(Object.keys(body)).toEqual(['model', 'messages', 'x'])
    expect(unreadMember(body, 'messages')).not.toBeNull()
    const first = body.messages
    expect(first).toEqual([{ role: 'user', content: 'hi' }])
    expect(body.messages).toBe(first)
    expect(unreadMember(body, 'messages')).toBeNull()
    body.x = 2
    delete body.messages
    expect(JSON.stringify(body)).toBe('{"model":"m","x":2}')
  })
})

describe('the prompt estimate from the bytes', () => {
  test('equals the estimate from JSON.parse’s object on random chats', () => {
    for (const buf of validBodies(40, 800)) {
      const parsed = JSON.parse(buf.toString()) as Record<string, unknown>
      const body = lazy(buf)
      expect(estimatePromptTokens(body), buf.toString()).toBe(estimatePromptTokens(parsed))
      // Counting did not parse what it counted.
      if ('messages' in body) expect(unreadMember(body, 'messages')).not.toBeNull()
    }
  })

  test('a string past 32 KB, counted byte by byte, has the length JSON.parse gives it', () => {
    const r = rng(42)
    const pieces = ['a', 'é', '中', '😀', '\\n', '\\"', '\\u00e9', '\\ud83d\\ude00', '\\\\', ' ']
    for (let n = 0; n < 20; n++) {
      let s = ''
      while (s.length < 40_000) s += pieces[Math.floor(r() * pieces.length)]
      const text = `{"prompt":"${s}","messages":[{"content":"${s}"}]}`
      const body = lazy(Buffer.from(text))
      expect(estimatePromptTokens(body)).toBe(estimatePromptTokens(JSON.parse(text)))
    }
  })

  test('bytes that are not UTF-8 count as the decoder replaces them, never fewer', () => {
    const r = rng(43)
    const junk = [0x80, 0xbf, 0xc0, 0xc3, 0xe0, 0xed, 0xf0, 0xf4, 0xf8, 0xff]
    for (let n = 0; n < 300; n++) {
      const bytes: number[] = []
      for (let k = 0; k < 1 + Math.floor(r() * 60); k++) {
        if (r() < 0.5) bytes.push(junk[Math.floor(r() * junk.length)]!)
        else bytes.push(...Buffer.from(['a', 'é', '中', '😀', '\\n'][Math.floor(r() * 5)]!))
      }
      const text = Buffer.concat([
        Buffer.from('{"prompt":"'),
        Buffer.from(bytes),
        Buffer.from('","messages":[{"content":"'),
        Buffer.from(bytes),
        Buffer.from('"}]}'),
      ])
      const parsed = JSON.parse(text.toString()) as Record<string, unknown>
      expect(estimatePromptTokens(lazy(text)), text.toString('hex')).toBe(
        estimatePromptTokens(parsed),
      )
    }
  })

  test('a repeated content name counts its last value, as the parsed object has it', () => {
    const text = '{"messages":[{"content":"aaaaaaaa","content":"bbbb"}],"prompt":"cccc"}'
    const body = lazy(Buffer.from(text))
    expect(estimatePromptTokens(body)).toBe(estimatePromptTokens(JSON.parse(text)))
    expect(estimatePromptTokens(body)).toBe(2)
  })
})

describe('rewriting a lazily parsed body', () => {
  test('what was not read is copied byte for byte; the result parses as the eager rewrite', () => {
    for (const buf of validBodies(41, 600)) {
      const eager = JSON.parse(buf.toString()) as Record<string, unknown>
      const body = lazy(buf)
      const change = (b: Record<string, unknown>) => {
        b.options = { ...(typeof b.options === 'object' ? b.options : {}), num_predict: 5 }
        b.stream_options = { include_usage: true }
      }
      const beforeEager = snapshotBody(eager)
      const beforeLazy = snapshotBody(body)
      change(eager)
      change(body)
      const out = rewriteBody(buf, beforeLazy, body).toString()
      // Compared as re-serialised: the eager rewrite writes a copied `-0.0` as `0`, the lazy
      // one keeps the client's text, and both mean the same to Ollama.
      const eagerOut = rewriteBody(buf, beforeEager, eager).toString()
      expect(JSON.stringify(JSON.parse(out)), buf.toString()).toBe(
        JSON.stringify(JSON.parse(eagerOut)),
      )
      const messages = unreadMember(body, 'messages')
      if (messages !== null) {
        const m = messages.member
        expect(out).toContain(buf.toString('utf8', m.nameStart, m.valueEnd))
      }
    }
  })

  test('a member read after the snapshot and changed in place is written with the change', () => {
    const big = JSON.stringify({ include_usage: false, note: 'x'.repeat(1500) })
    const buf = Buffer.from(`{"model":"m","stream_options":${big},"n":12345678901234567890}`)
    const body = lazy(buf)
    const before = snapshotBody(body)
    ;(body.stream_options as Record<string, unknown>).include_usage = true
    const out = rewriteBody(buf, before, body).toString()
    expect(JSON.parse(out).stream_options.include_usage).toBe(true)
    expect(out).toContain('"n":12345678901234567890')
  })

  test('a member read before the snapshot and changed in place is written with the change', () => {
    const big = JSON.stringify({ include_usage: false, note: 'x'.repeat(1500) })
    const buf = Buffer.from(`{"model":"m","stream_options":${big}}`)
    const body = lazy(buf)
    expect(body.stream_options).toBeTruthy()
    const before = snapshotBody(body)
    ;(body.stream_options as Record<string, unknown>).include_usage = true
    expect(JSON.parse(rewriteBody(buf, before, body).toString()).stream_options).toEqual({
      include_usage: true,
      note: 'x'.repeat(1500),
    })
  })

  test('a member read but not replaced keeps its text; one replaced is written anew', () => {
    const text = '{"model":"m","messages":[{"content":"x","n":12345678901234567890}],"tools":[1]}'
    const buf = Buffer.from(text)
    const body = lazy(buf)
    const before = snapshotBody(body)
    expect(Array.isArray(body.messages)).toBe(true) // read, as a key's keep_alive cap reads it
    body.tools = [2]
    body.keep_alive = 0
    const out = rewriteBody(buf, before, body).toString()
    expect(out).toBe(
      '{"model":"m","messages":[{"content":"x","n":12345678901234567890}],"tools":[2],"keep_alive":0}',
    )
  })
})
