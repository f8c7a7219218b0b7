import { describe, expect, test } from 'vitest'
import { parseImportFile } from '../../gateway/import/index.js'
import { fixture, messages, parseFixture } from './helpers.js'

describe('plain keys file (OpenResty keys.txt)', () => {
  test('reads one key per line, trimming around keys and skipping blanks and comments', () => {
    const plan = parseFixture('keys.txt')
    expect(plan.keys).toEqual([
      {
        key: 'sk-ollama-8Jd92kLmQp3RtX7v',
        name: '',
        source: 'keys-txt',
        file: 'keys.txt',
        line: 2,
      },
      {
        key: 'b3JhbmdlLXRlYW0tc2VjcmV0LWtleQ==',
        name: '',
        source: 'keys-txt',
        file: 'keys.txt',
        line: 3,
      },
      { key: 'team-laptop-7f3a9c2e1d', name: '', source: 'keys-txt', file: 'keys.txt', line: 5 },
    ])
    expect(plan.backends).toEqual([])
    expect(plan.settings).toEqual({})
    expect(messages(plan, 'warn')).toEqual([])
  })

  test('reads Windows line endings without a carriage return in any key', () => {
    expect(fixture('keys-crlf.txt')).toContain('\r\n')
    const plan = parseFixture('keys-crlf.txt')
    expect(plan.keys.map((k) => [k.key, k.line])).toEqual([
      ['crlf-key-number-one-1111', 1],
      ['crlf-key-number-two-2222', 2],
    ])
  })

  test('refuses short keys and keys with whitespace inside, with a note for each', () => {
    const plan = parseFixture('keys-crlf.txt')
    expect(plan.notes.filter((n) => n.level === 'warn').map((n) => [n.line, n.message])).toEqual([
      [5, expect.stringMatching(/5-character key: it is shorter than 8 characters/)],
      [6, expect.stringMatching(/contains whitespace/)],
    ])
  })

  test('drops a "# comment" after a key but never touches the key itself', () => {
    const plan = parseImportFile('keys.txt', 'abc#def-12345   # alice\n')
    expect(plan.keys.map((k) => k.key)).toEqual(['abc#def-12345'])
    expect(messages(plan, 'info')).toContainEqual(expect.stringMatching(/trailing "#" comment/))
  })

  test('refuses a key with characters a header cannot carry', () => {
    const plan = parseImportFile('keys.txt', 'clé-secrète-1234\n')
    expect(plan.keys).toEqual([])
    expect(messages(plan, 'warn')).toEqual([
      expect.stringMatching(/outside printable ASCII/),
      'nothing to import in this file',
    ])
  })
})
