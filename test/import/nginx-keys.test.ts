import { describe, expect, test } from 'vitest'
import { parseImportFile } from '../../gateway/import/index.js'
import { messages, parseFixture } from './helpers.js'

describe('nginx key map (api_keys.conf)', () => {
  test('reads every "Bearer <key>" 1; line of the layout the nginx gateway documents', () => {
    const plan = parseFixture('api_keys.conf')
    expect(plan.keys).toEqual([
      {
        key: '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
        name: '',
        source: 'nginx-keys',
        file: 'api_keys.conf',
        line: 3,
      },
      {
        key: '3b9f6c1e-8a2d-4f7b-9e0c-6d4a1b2c3e5f',
        name: '',
        source: 'nginx-keys',
        file: 'api_keys.conf',
        line: 4,
      },
      {
        key: 'dGVhbS1sYXB0b3Atc2VjcmV0LWtleS0yMDI0Lw==',
        name: '',
        source: 'nginx-keys',
        file: 'api_keys.conf',
        line: 5,
      },
    ])
    expect(plan.backends).toEqual([])
    expect(plan.settings).toEqual({})
    expect(messages(plan, 'warn')).toEqual([])
  })

  test('reads keys inside a map $http_authorization block, in any quoting, skipping default', () => {
    const plan = parseFixture('api_keys-map.conf')
    expect(plan.keys.map((k) => [k.key, k.line])).toEqual([
      ['9c4e1f7a2b8d3e6f0a5c9b1d4e7f2a8c', 4],
      ['sk-team-6Jq2ZrT9xWm4Lp8Nv0Bc', 5],
      ['unquoted-key-3Hf8Kd92Ls', 6],
    ])
  })

  test('does not import a key whose value is 0, and says so', () => {
    const plan = parseFixture('api_keys-map.conf')
    expect(plan.keys.map((k) => k.key)).not.toContain('revoked-key-0000000000000')
    expect(plan.notes).toContainEqual({
      level: 'info',
      file: 'api_keys-map.conf',
      line: 7,
      message: expect.stringMatching(/value is "0".*not authorized/),
    })
  })

  test('keeps what it can from a malformed map and notes every line it could not take', () => {
    const plan = parseFixture('malformed-api_keys.conf')
    expect(plan.keys.map((k) => [k.key, k.line])).toEqual([
      ['dup-key-abcdefgh12', 6],
      ['token-without-bearer-9f8e7d', 8],
      ['ok-key-one-Xy7Qw2', 9],
      ['missing-semicolon-k3y9', 11],
    ])
    const warned = plan.notes.filter((n) => n.level === 'warn').map((n) => [n.line, n.message])
    expect(warned).toEqual(
      expect.arrayContaining([
        [2, expect.stringMatching(/shorter than 8 characters/)],
        [3, expect.stringMatching(/contains whitespace/)],
        [4, expect.stringMatching(/unterminated " quote/)],
        [5, expect.stringMatching(/regular-expression/)],
        [10, expect.stringMatching(/unexpected "}"/)],
        [11, expect.stringMatching(/does not end with ";"/)],
      ]),
    )
    expect(warned).toHaveLength(6)
    const info = plan.notes.filter((n) => n.level === 'info' && n.line !== undefined)
    expect(info.map((n) => [n.line, n.message])).toEqual(
      expect.arrayContaining([
        [7, expect.stringMatching(/repeats the one at malformed-api_keys.conf:6/)],
        [8, expect.stringMatching(/no "Bearer " prefix/)],
        [9, expect.stringMatching(/value "yes" taken as authorized/)],
      ]),
    )
  })

  test('never writes a whole secret into a note', () => {
    const plan = parseFixture('malformed-api_keys.conf')
    const text = JSON.stringify(plan.notes)
    for (const secret of [
      'dup-key-abcdefgh12',
      'has space inside',
      'token-without-bearer-9f8e7d',
    ]) {
      expect(text).not.toContain(secret)
    }
  })

  test('keeps keys byte for byte: no BOM, no carriage return, padding and case untouched', () => {
    const text = '\ufeff"Bearer AbC-dEf_GhI=="  1;\r\n"Bearer Zz9+/Yy8+/Xx7=" 1;\r\n'
    const plan = parseImportFile('api_keys.conf', text)
    expect(plan.keys.map((k) => k.key)).toEqual(['AbC-dEf_GhI==', 'Zz9+/Yy8+/Xx7='])
  })

  test('unescapes quotes inside a quoted key the way nginx does', () => {
    const plan = parseImportFile('api_keys.conf', '"Bearer abc\\"def-1234" 1;\n')
    expect(plan.keys.map((k) => k.key)).toEqual(['abc"def-1234'])
  })

  test('takes a map of X-API-Key as bare keys and ignores maps that hold no keys', () => {
    const text = [
      'map $http_x_api_key $ok {',
      '  default 0;',
      '  "Bearer-looking-but-raw-01" 1;',
      '}',
      'map $http_upgrade $connection_upgrade {',
      '  default upgrade;',
      "  '' close;",
      '}',
    ].join('\n')
    const plan = parseImportFile('gateway.conf', text)
    expect(plan.keys.map((k) => k.key)).toEqual(['Bearer-looking-but-raw-01'])
    expect(messages(plan, 'info')).toContainEqual(
      expect.stringMatching(/map \$http_upgrade ignored/),
    )
  })

  test('notes an include it does not follow', () => {
    const plan = parseImportFile('api_keys.conf', 'include /etc/nginx/more_keys.conf;\n')
    expect(plan.notes).toContainEqual({
      level: 'warn',
      file: 'api_keys.conf',
      line: 1,
      message: expect.stringMatching(/include \/etc\/nginx\/more_keys.conf not followed/),
    })
  })

  test('an empty key map is read as one, with a warning that it holds nothing', () => {
    const plan = parseImportFile('api_keys.conf', '# Add one line per API key\n')
    expect(plan.keys).toEqual([])
    expect(messages(plan, 'warn')).toEqual(['nothing to import in this file'])
  })
})
