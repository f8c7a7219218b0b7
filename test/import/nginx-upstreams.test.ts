import { describe, expect, test } from 'vitest'
import { detectFormat, parseImportFile } from '../../gateway/import/index.js'
import { messages, parseFixture } from './helpers.js'

describe('nginx upstream list (upstream_ollama.conf)', () => {
  test('reads server lines with their trailing comments as names and weight= kept', () => {
    const plan = parseFixture('upstream_ollama.conf')
    const at = { source: 'nginx-upstreams', file: 'upstream_ollama.conf' }
    expect(plan.backends).toEqual([
      { url: 'http://192.168.1.101:11434', name: 'GPU Server 1', ...at, line: 3 },
      { url: 'http://ollama-gpu2.internal:11434', name: 'GPU Server 2', ...at, line: 4 },
      {
        url: 'http://192.168.1.103:11434',
        name: 'GPU Server 3 (the big one)',
        weight: 3,
        ...at,
        line: 5,
      },
      {
        url: 'http://192.168.1.104:11434',
        name: 'old workstation',
        enabled: false,
        ...at,
        line: 6,
      },
    ])
    expect(plan.keys).toEqual([])
    expect(plan.settings).toEqual({})
  })

  test('notes the parameters it drops and the port it assumed', () => {
    const plan = parseFixture('upstream_ollama.conf')
    const lines = plan.notes.map((n) => [n.level, n.line, n.message])
    expect(lines).toEqual(
      expect.arrayContaining([
        ['info', 5, expect.stringMatching(/max_fails=3 ignored/)],
        ['info', 5, expect.stringMatching(/fail_timeout=30s ignored/)],
        ['warn', 6, expect.stringMatching(/backup server imported disabled/)],
        [
          'warn',
          6,
          expect.stringMatching(/no port: assumed Ollama's 11434.*nginx would have used 80/),
        ],
      ]),
    )
  })

  test('reads an upstream block: weights, max_conns, down, IPv6, and repeats taken once', () => {
    const plan = parseFixture('upstream-block.conf')
    expect(
      plan.backends.map(({ url, name, weight, capacity, enabled, line }) => ({
        url,
        name,
        weight,
        capacity,
        enabled,
        line,
      })),
    ).toEqual([
      {
        url: 'http://10.0.0.11:11434',
        name: '10.0.0.11:11434',
        weight: 2,
        capacity: undefined,
        enabled: undefined,
        line: 3,
      },
      {
        url: 'http://[fd00::12]:11434',
        name: '[fd00::12]:11434',
        weight: undefined,
        capacity: 8,
        enabled: undefined,
        line: 4,
      },
      {
        url: 'http://10.0.0.13:11434',
        name: '10.0.0.13:11434',
        weight: undefined,
        capacity: undefined,
        enabled: false,
        line: 5,
      },
      {
        url: 'http://10.0.0.14:11434',
        name: '10.0.0.14:11434',
        weight: 100,
        capacity: undefined,
        enabled: undefined,
        line: 7,
      },
    ])
  })

  test('notes every upstream directive and parameter it does not carry over', () => {
    const plan = parseFixture('upstream-block.conf')
    const lines = plan.notes.map((n) => [n.level, n.line, n.message])
    expect(lines).toEqual(
      expect.arrayContaining([
        ['info', 2, expect.stringMatching(/least_conn ignored/)],
        ['info', 5, expect.stringMatching(/marked down/)],
        ['warn', 6, expect.stringMatching(/Unix sockets are not supported/)],
        ['warn', 7, expect.stringMatching(/weight=500 lowered to Corral's maximum, 100/)],
        ['info', 7, expect.stringMatching(/slow_start=30s ignored/)],
        ['info', 7, expect.stringMatching(/drain ignored/)],
        ['info', 8, expect.stringMatching(/keepalive ignored/)],
        ['info', 9, expect.stringMatching(/sticky ignored/)],
        [
          'warn',
          10,
          expect.stringMatching(/repeats http:\/\/10.0.0.11:11434 at upstream-block.conf:3/),
        ],
      ]),
    )
  })

  test('a parameter it does not know is noted, and the server is still imported', () => {
    const plan = parseImportFile('upstream_ollama.conf', 'server 10.1.1.1:11434 frobnicate=1;\n')
    expect(plan.backends.map((b) => b.url)).toEqual(['http://10.1.1.1:11434'])
    expect(messages(plan, 'warn')).toEqual([expect.stringMatching(/"frobnicate=1" not understood/)])
  })

  test('a file of server lines with a keepalive directive is not mistaken for a key map', () => {
    const text = 'server 10.1.1.1:11434;\nkeepalive 1;\n'
    expect(detectFormat('upstream_ollama.conf', text)).toBe('nginx-upstreams')
    expect(detectFormat('backends.conf', text)).toBe('nginx-upstreams')
    expect(parseImportFile('backends.conf', text).keys).toEqual([])
  })
})
