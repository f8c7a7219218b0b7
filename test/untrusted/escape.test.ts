// Terminal escape injection (issue 25): control and bidi characters from outside are shown
// escaped, never printed raw. The CLI's own tests (test/security/terminal-escapes.test.ts)
// show it through the real command; these pin the function the tray and notifications use.
import { describe, expect, test } from 'vitest'
import { escapeForTerminal, escapeOutput } from '../../gateway/untrusted/escape.js'

describe('escapeForTerminal shows each unsafe character visibly', () => {
  test.each([
    ['ESC (C0)', 'a\u001b[2Jb', 'a\\x1b[2Jb'],
    ['NUL', '\u0000', '\\x00'],
    ['newline, carriage return, tab', 'a\nb\rc\td', 'a\\nb\\rc\\td'],
    ['DEL', '\u007f', '\\x7f'],
    ['C1 CSI', 'x\u009b31m', 'x\\x9b31m'],
    ['C1 first and last', '\u0080\u009f', '\\x80\\x9f'],
    ['right-to-left override', 'evil\u202etxt.exe', 'evil\\u202etxt.exe'],
    ['embeddings and pops', '\u202a\u202b\u202c\u202d', '\\u202a\\u202b\\u202c\\u202d'],
    ['isolates', '\u2066\u2067\u2068\u2069', '\\u2066\\u2067\\u2068\\u2069'],
    ['marks', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['line and paragraph separators', '\u2028\u2029', '\\u2028\\u2029'],
  ])('%s', (_name, input, shown) => {
    expect(escapeForTerminal(input)).toBe(shown)
  })

  test('ordinary text, accents, CJK and emoji are unchanged', () => {
    for (const s of ['llama3.2:latest', 'Zoë’s laptop', '田中のPC', 'GPU 🐑', '\u00a0nbsp'])
      expect(escapeForTerminal(s)).toBe(s)
  })
})

describe('escapeOutput keeps lines and JSON meaning', () => {
  test('newlines between lines stay, everything else unsafe is escaped', () => {
    expect(escapeOutput('one\ntwo\u001b[2J\u009b\u202e')).toBe('one\ntwo\\u001b[2J\\u009b\\u202e')
  })
  test('a JSON document stays valid JSON with the same values', () => {
    const value = { model: 'a\u009bb\u202ec\u007f' }
    const out = escapeOutput(JSON.stringify(value))
    expect(out).not.toMatch(/[\u007f-\u009f\u202e]/)
    expect(JSON.parse(out)).toEqual(value)
  })
})
