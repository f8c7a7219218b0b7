// The byte scanner must accept exactly what JSON.parse accepts and read the same members,
// or the model check would read one body while Ollama reads another. Compared here on
// random bodies, written with random spacing, and on each of them broken at random.
import { describe, expect, test } from 'vitest'
import { JsonScanError, scanObject } from '../../gateway/lazy-json/scan.js'
import { isLazyBody, lazyJsonBody } from '../../gateway/lazy-json/lazy-body.js'
import { LAZY_BODY_MIN_BYTES, parseJsonBody } from '../../gateway/proxy/body.js'
import { CorralError } from '../../gateway/errors.js'
import { randomBody, rng } from './random-json.js'

type Outcome = { ok: string[]; json: string } | { err: string }

function byParse(buf: Buffer): Outcome {
  let v: unknown
  try {
    v = JSON.parse(buf.toString('utf8'))
  } catch {
    return { err: 'syntax' }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { err: 'not-object' }
  return { ok: Object.keys(v), json: JSON.stringify(v) }
}

function byScan(buf: Buffer, lazyMin: number): Outcome {
  try {
    const body = lazyJsonBody(buf, scanObject(buf, 512), new Set(['model']), lazyMin)
    return { ok: Object.keys(body), json: JSON.stringify(body) }
  } catch (err) {
    if (err instanceof JsonScanError) return { err: err.failure }
    throw err
  }
}

const BREAKERS = [
  ',',
  ']',
  '}',
  '[',
  '{',
  '"',
  '\\',
  '\u0001',
  'a',
  ' ',
  '0',
  '.',
  '-',
  'e',
  ':',
  'u',
  '\n',
  'é',
]

function broken(text: string, r: () => number): string {
  const at = Math.floor(r() * (text.length + 1))
  const pick = BREAKERS[Math.floor(r() * BREAKERS.length)]!
  switch (Math.floor(r() * 4)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1)
    case 1:
      return text.slice(0, at) + pick + text.slice(at)
    case 2:
      return text.slice(0, at) + pick + text.slice(at + 1)
    default:
      return text.slice(0, at)
  }
}

describe('scanObject against JSON.parse', () => {
  test('random bodies and random breakages of them: the same verdict and the same members', () => {
    const r = rng(30)
    let accepted = 0
    let refused = 0
    for (let n = 0; n < 3000; n++) {
      const text = randomBody(r)
      const candidates = [text, broken(text, r), broken(broken(text, r), r)]
      for (const t of candidates) {
        const buf = Buffer.from(t)
        const expected = byParse(buf)
        expect(byScan(buf, Math.floor(r() * 64)), t).toEqual(expected)
        if ('ok' in expected) accepted++
        else refused++
      }
    }
    // Both kinds are well represented, so neither side of the comparison is vacuous.
    expect(accepted).toBeGreaterThan(2000)
    expect(refused).toBeGreaterThan(2000)
  })

  test.each([
    ['empty', ''],
    ['spaces', '   '],
    ['a byte-order mark', '\ufeff{}'],
    ['an array', '[{"model":"x"}]'],
    ['a string', '"x"'],
    ['trailing comma', '{"a":1,}'],
    ['leading zero', '{"a":01}'],
    ['bare dot', '{"a":1.}'],
    ['plus sign', '{"a":+1}'],
    ['raw tab in a string', '{"a":"x\ty"}'],
    ['short \\u escape', '{"a":"\\u12"}'],
    ['unknown escape', '{"a":"\\x41"}'],
    ['single quotes', "{'a':1}"],
    ['comment', '{"a":1/*c*/}'],
    ['two values', '{"a":1}{"b":2}'],
    ['NaN', '{"a":NaN}'],
    ['truncated literal', '{"a":tru}'],
    ['escaped closing quote', '{"a":"x\\"}'],
    ['vertical tab as space', '{\u000b"a":1}'],
  ])('%s: the same verdict', (_name, text) => {
    const buf = Buffer.from(text)
    expect(byScan(buf, 0)).toEqual(byParse(buf))
  })

  test('repeated names: JSON.parse’s order (first place) and value (last), __proto__ a member', () => {
    const buf = Buffer.from('{"model":"a","x":1,"model":"b","__proto__":{"p":1},"2":0,"1":0}')
    const body = lazyJsonBody(buf, scanObject(buf, 512), new Set(), 0)
    expect(Object.keys(body)).toEqual(['1', '2', 'model', 'x', '__proto__'])
    expect(body.model).toBe('b')
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype)
    expect(Object.hasOwn(body, '__proto__')).toBe(true)
    expect(byScan(buf, 0)).toEqual(byParse(buf))
  })

  test('escaped and non-ASCII names are decoded as JSON.parse decodes them', () => {
    const buf = Buffer.from('{"mod\\u0065l":"a","\\"q\\"":1,"é中":2}')
    const body = lazyJsonBody(buf, scanObject(buf, 512), new Set(), 0)
    expect(Object.keys(body)).toEqual(['model', '"q"', 'é中'])
  })

  test('nesting: 512 levels pass, 513 are refused as too deep', () => {
    const deep = (n: number) => Buffer.from(`{"a":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`)
    expect(() => scanObject(deep(512), 512)).not.toThrow()
    expect(() => scanObject(deep(513), 512)).toThrow(expect.objectContaining({ failure: 'depth' }))
  })
})

describe('parseJsonBody: a large body gets the answers a small one gets', () => {
  // Spaces after the body change nothing in its meaning and take it past the lazy size.
  const padded = (buf: Buffer) => Buffer.concat([buf, Buffer.alloc(LAZY_BODY_MIN_BYTES, 0x20)])
  const outcome = (buf: Buffer) => {
    try {
      const body = parseJsonBody(buf)
      return { keys: Object.keys(body), json: JSON.stringify(body) }
    } catch (err) {
      if (!(err instanceof CorralError)) throw err
      return { code: err.code, message: err.message }
    }
  }

  test('a large body of thousands of top-level members (no client’s) is parsed whole, the same', () => {
    const members = Array.from({ length: 5000 }, (_, i) => `"f${i}":"${'x'.repeat(20)}"`)
    const text = `{"model":"m",${members.join(',')}}`
    expect(text.length).toBeGreaterThan(LAZY_BODY_MIN_BYTES)
    const body = parseJsonBody(Buffer.from(text))
    expect(isLazyBody(body)).toBe(false)
    expect(body).toEqual(JSON.parse(text))
  })

  test('random bodies, broken or not, clashing names, too deep', () => {
    const r = rng(31)
    const extras = [
      '{"model":"a","Model":"b"}',
      '{"model":"a","ſtream":true,"stream":false}',
      `{"a":${'['.repeat(600)}${']'.repeat(600)}}`,
      `{"a":${'['.repeat(600)}`,
      `{"a":"${'['.repeat(600)}"}`,
      '[1,2]',
      '"text"',
    ]
    const texts = [...extras]
    for (let n = 0; n < 400; n++) {
      const t = randomBody(r)
      texts.push(t, broken(t, r))
    }
    for (const t of texts) {
      const small = Buffer.from(t)
      expect(outcome(padded(small)), t).toEqual(outcome(small))
    }
  })
})
