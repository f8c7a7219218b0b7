import { describe, expect, test } from 'vitest'
import { mergePlans, parseImportFile, planFromEnv } from '../../gateway/import/index.js'
import { parseFixture } from './helpers.js'

describe('merging plans from several files', () => {
  test('takes a key found in two files once, from the first file', () => {
    const a = parseImportFile('keys.txt', 'shared-key-12345678\nonly-in-a-12345678\n')
    const b = parseImportFile('api_keys.conf', '"Bearer shared-key-12345678" 1;\n')
    const plan = mergePlans([a, b])
    expect(plan.keys.map((k) => [k.key, k.file])).toEqual([
      ['shared-key-12345678', 'keys.txt'],
      ['only-in-a-12345678', 'keys.txt'],
    ])
    expect(plan.notes).toContainEqual({
      level: 'info',
      file: 'api_keys.conf',
      line: 1,
      message: expect.stringMatching(/repeats the one at keys.txt:1; taken once/),
    })
  })

  test('keys that differ only in = padding are different keys and both kept', () => {
    const plan = mergePlans([
      parseFixture('go-gateway-config.json'),
      parseFixture('go-gateway-config-v1.json'),
    ])
    expect(plan.keys.map((k) => k.key)).toEqual([
      'ahP7DieD7rNpTUa6No--iJpOaXY3TDK8dIjKg0cp-hI',
      'ahP7DieD7rNpTUa6No--iJpOaXY3TDK8dIjKg0cp-hI=',
    ])
  })

  test('takes a backend found in two files once, however its URL was written', () => {
    const plan = mergePlans([
      parseFixture('go-gateway-config.json'),
      planFromEnv({ CORRAL_BACKENDS: '127.0.0.1:11434,http://gpu.lan:11434' }),
      parseImportFile('upstream_ollama.conf', 'server gpu.lan:11434;\n'),
    ])
    expect(plan.backends.map((b) => b.url)).toEqual([
      'http://localhost:11434',
      'http://gpu.lan:11434',
    ])
  })

  test('merges settings, later files win, and a conflict is noted with both places', () => {
    const plan = mergePlans([
      parseFixture('go-gateway-config.json'),
      parseFixture('go-gateway-config-custom.json'),
    ])
    expect(plan.settings.server).toEqual({ host: '0.0.0.0', port: 9000 })
    expect(plan.settings.metrics).toEqual({
      enabled: false,
      path: '/internal/metrics',
      namespace: 'ollama_gw',
    })
    expect(plan.notes).toContainEqual({
      level: 'warn',
      file: 'go-gateway-config-custom.json',
      line: 12,
      message:
        'server.port is 9000 here but 8080 earlier (from go-gateway-config.json:10); using 9000',
    })
  })

  test('adds to deny lists and models to pull instead of replacing them', () => {
    const a = parseImportFile(
      'a.json',
      '{"apiKeys": [], "security": {"allowIps": [], "denyIps": ["10.0.0.1"]}}',
    )
    const b = parseImportFile(
      'b.json',
      '{"apiKeys": [], "security": {"allowIps": [], "denyIps": ["10.0.0.2", "10.0.0.1"]}}',
    )
    const c = planFromEnv({ CORRAL_PULL: 'llama3.2' })
    const d = planFromEnv({ CORRAL_PULL: 'phi,llama3.2' })
    const plan = mergePlans([a, b, c, d])
    expect(plan.settings.access?.deny).toEqual(['10.0.0.1', '10.0.0.2'])
    expect(plan.settings.ensureModels).toEqual([
      { model: 'llama3.2', backends: [] },
      { model: 'phi', backends: [] },
    ])
    expect(plan.notes.filter((n) => n.message.includes('earlier'))).toEqual([])
  })

  test('merging nothing gives an empty plan', () => {
    expect(mergePlans([])).toMatchObject({ keys: [], backends: [], settings: {}, notes: [] })
  })
})
