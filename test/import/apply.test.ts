import { createHash } from 'node:crypto'
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { beforeAll, describe, expect, test } from 'vitest'
import { ConfigSchema, type Config } from '../../gateway/config/schema.js'
import {
  applyPlan,
  emptyPlan,
  mergePlans,
  parseImportFile,
  planFromEnv,
  type ImportPlan,
} from '../../gateway/import/index.js'
import { defaultConfig, fakeDeps, parseFixture } from './helpers.js'

const sha256 = (s: string): string =>
  createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex')

function everything(): ImportPlan {
  return mergePlans(
    [
      'api_keys.conf',
      'upstream_ollama.conf',
      'keys.txt',
      'go-gateway-config.json',
      'go-gateway-config-v1.json',
    ].map(parseFixture),
  )
}

function existingKey(name: string, secret: string, revokedAt: string | null = null) {
  return Value.Default(ConfigSchema.properties.keys.items, {
    id: `old-${name}`,
    name,
    hash: sha256(secret),
    prefix: secret.slice(0, 4),
    createdAt: '2024-06-01T00:00:00.000Z',
    revokedAt,
  }) as Config['keys'][number]
}

beforeAll(() => {
  if (!FormatRegistry.Has('date-time')) {
    FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)))
  }
})

describe('applying a plan to a config', () => {
  test('stores each key as the SHA-256 of its exact bytes, never the key itself', () => {
    const { config } = applyPlan(defaultConfig(), parseFixture('api_keys.conf'), fakeDeps())
    const secrets = [
      '5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8',
      '3b9f6c1e-8a2d-4f7b-9e0c-6d4a1b2c3e5f',
      'dGVhbS1sYXB0b3Atc2VjcmV0LWtleS0yMDI0Lw==',
    ]
    expect(config.keys.map((k) => k.hash)).toEqual(secrets.map(sha256))
    const stored = JSON.stringify(config)
    for (const s of secrets) expect(stored).not.toContain(s)
  })

  test('creates complete key records named imported-1, imported-2, ...', () => {
    const { config } = applyPlan(defaultConfig(), parseFixture('keys.txt'), fakeDeps())
    expect(config.keys[0]).toEqual({
      id: 'id-1',
      name: 'imported-1',
      hash: sha256('sk-ollama-8Jd92kLmQp3RtX7v'),
      prefix: 'sk-oll',
      scopes: ['inference'],
      models: [],
      limits: {},
      createdAt: '2025-01-02T03:04:05.000Z',
      expiresAt: null,
      revokedAt: null,
      source: 'imported',
      guest: false,
      subnet: null,
      options: {},
      keepAliveMaxSeconds: null,
      // No device keys bound yet (gateway/device-keys/): the schema's default.
      devices: [],
    })
    expect(config.keys.map((k) => k.name)).toEqual(['imported-1', 'imported-2', 'imported-3'])
  })

  test('continues numbering after the highest imported-N already there', () => {
    const base = defaultConfig()
    base.keys.push(
      existingKey('imported-7', 'old-key-seven-777'),
      existingKey('imported-2', 'old-key-two-222'),
    )
    base.keys.push(
      existingKey('imported-x', 'old-key-x-xxxxxx'),
      existingKey('laptop', 'old-key-laptop-1'),
    )
    const { config } = applyPlan(base, parseFixture('keys.txt'), fakeDeps())
    expect(config.keys.slice(4).map((k) => k.name)).toEqual([
      'imported-8',
      'imported-9',
      'imported-10',
    ])
  })

  test('keys from the environment are recorded with source env', () => {
    const { config } = applyPlan(
      defaultConfig(),
      planFromEnv({ AUTH_TOKEN: 'my_secure_token_123' }),
      fakeDeps(),
    )
    expect(config.keys.map((k) => [k.name, k.source])).toEqual([['imported-1', 'env']])
  })

  test('applying the same plan twice changes nothing the second time', () => {
    const plan = everything()
    const once = applyPlan(defaultConfig(), plan, fakeDeps())
    const twice = applyPlan(once.config, plan, fakeDeps())
    expect(twice.config).toEqual(once.config)
    expect(twice.report).toMatchObject({
      keysAdded: 0,
      keysSkipped: once.report.keysAdded,
      backendsAdded: 0,
      backendsSkipped: once.report.backendsAdded,
      settingsChanged: [],
    })
    expect(once.report.keysAdded).toBe(8)
    expect(once.report.backendsAdded).toBe(5)
  })

  test('a key already present is skipped and a revoked one stays revoked', () => {
    const base = defaultConfig()
    base.keys.push(existingKey('laptop', 'sk-ollama-8Jd92kLmQp3RtX7v'))
    base.keys.push(existingKey('gone', 'team-laptop-7f3a9c2e1d', '2024-07-01T00:00:00.000Z'))
    const { config, report } = applyPlan(base, parseFixture('keys.txt'), fakeDeps())
    expect(report).toMatchObject({ keysAdded: 1, keysSkipped: 2 })
    expect(config.keys.map((k) => [k.name, k.revokedAt])).toEqual([
      ['laptop', null],
      ['gone', '2024-07-01T00:00:00.000Z'],
      ['imported-1', null],
    ])
    expect(report.notes.map((n) => [n.line, n.message])).toEqual(
      expect.arrayContaining([
        [2, expect.stringMatching(/already in Corral as "laptop"; skipped/)],
        [5, expect.stringMatching(/was revoked in Corral as "gone"; not re-enabled/)],
      ]),
    )
  })

  test('adds backends with their weight and state, skipping a URL already there', () => {
    const base = defaultConfig()
    base.backends.push(
      Value.Default(ConfigSchema.properties.backends.items, {
        id: 'local',
        name: 'This computer',
        url: 'http://127.0.0.1:11434',
        source: 'local',
      }) as Config['backends'][number],
    )
    // The Go config's key takes id-1; the backends get id-2 onwards.
    const plan = mergePlans([
      parseFixture('upstream_ollama.conf'),
      parseFixture('go-gateway-config.json'),
    ])
    const { config, report } = applyPlan(base, plan, fakeDeps())
    expect(
      config.backends.map(({ id, name, url, weight, enabled, capacity, source, key }) => ({
        id,
        name,
        url,
        weight,
        enabled,
        capacity,
        source,
        key,
      })),
    ).toEqual([
      {
        id: 'local',
        name: 'This computer',
        url: 'http://127.0.0.1:11434',
        weight: 1,
        enabled: true,
        capacity: 4,
        source: 'local',
        key: null,
      },
      {
        id: 'id-2',
        name: 'GPU Server 1',
        url: 'http://192.168.1.101:11434',
        weight: 1,
        enabled: true,
        capacity: 4,
        source: 'manual',
        key: null,
      },
      {
        id: 'id-3',
        name: 'GPU Server 2',
        url: 'http://ollama-gpu2.internal:11434',
        weight: 1,
        enabled: true,
        capacity: 4,
        source: 'manual',
        key: null,
      },
      {
        id: 'id-4',
        name: 'GPU Server 3 (the big one)',
        url: 'http://192.168.1.103:11434',
        weight: 3,
        enabled: true,
        capacity: 4,
        source: 'manual',
        key: null,
      },
      {
        id: 'id-5',
        name: 'old workstation',
        url: 'http://192.168.1.104:11434',
        weight: 1,
        enabled: false,
        capacity: 4,
        source: 'manual',
        key: null,
      },
    ])
    expect(report).toMatchObject({ backendsAdded: 4, backendsSkipped: 1 })
    expect(report.notes).toContainEqual({
      level: 'info',
      file: 'go-gateway-config.json',
      line: 3,
      message: expect.stringMatching(/already in Corral as "This computer"/),
    })
  })

  test('reports each changed setting by dotted path, with its old and new value', () => {
    const { config, report } = applyPlan(
      defaultConfig(),
      parseFixture('go-gateway-config.json'),
      fakeDeps(),
    )
    expect(report.settingsChanged).toEqual([
      'server.port',
      'balancer.healthIntervalMs',
      'balancer.healthPath',
      'balancer.healthTimeoutMs',
    ])
    expect(report.settingChanges[0]).toEqual({ path: 'server.port', from: 11_435, to: 8080 })
    expect(config.server.port).toBe(8080)
    expect(config.access.allow).toEqual(defaultConfig().access.allow)
  })

  test('replaces the allow list, adds to the deny list, and says what the allow list was', () => {
    const base = defaultConfig()
    base.access.deny = ['203.0.113.9']
    const { config, report } = applyPlan(
      base,
      parseFixture('go-gateway-config-custom.json'),
      fakeDeps(),
    )
    expect(config.access.allow).toEqual(['192.168.1.0/24', '10.8.0.5'])
    expect(config.access.deny).toEqual(['203.0.113.9', '192.168.1.66'])
    expect(config.limits).toEqual({
      enabled: true,
      defaults: { ...defaultConfig().limits.defaults, requests: 120, windowSeconds: 60 },
    })
    expect(config.auth.headerName).toBe('X-Gateway-Key')
    expect(report.notes).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/^access.allow replaced \(it was \["127.0.0.0\/8"/),
      }),
    )
  })

  test('refuses setting values the schema would reject, and unknown settings, with a note', () => {
    const plan = emptyPlan()
    plan.settings = { server: { port: 70_000 }, metrics: { namespace: 'ok_name' } }
    ;(plan.settings as Record<string, unknown>).bogus = { flag: true }
    const { config, report } = applyPlan(defaultConfig(), plan, fakeDeps())
    expect(config.server.port).toBe(11_435)
    expect(report.settingsChanged).toEqual(['metrics.namespace'])
    expect(report.notes.map((n) => n.message)).toEqual([
      expect.stringMatching(/^server.port = 70000 not applied/),
      expect.stringMatching(/^bogus.flag = true not applied: Corral has no setting bogus.flag/),
    ])
  })

  test('does not modify the config it is given', () => {
    const base = defaultConfig()
    const before = structuredClone(base)
    applyPlan(base, everything(), fakeDeps())
    expect(base).toEqual(before)
  })

  test('the applied config still passes the config schema', () => {
    const plan = mergePlans([
      everything(),
      parseFixture('go-gateway-config-custom.json'),
      parseFixture('docker.env'),
    ])
    const { config } = applyPlan(defaultConfig(), plan, fakeDeps())
    expect([...Value.Errors(ConfigSchema, config)].map((e) => `${e.path}: ${e.message}`)).toEqual(
      [],
    )
  })

  test('lists what it added without the secrets, for a dry run', () => {
    const { report } = applyPlan(
      defaultConfig(),
      parseFixture('go-gateway-config.json'),
      fakeDeps(),
    )
    expect(report.addedKeys).toEqual([
      {
        id: 'id-1',
        name: 'imported-1',
        prefix: 'ahP7DieD',
        file: 'go-gateway-config.json',
        line: 14,
      },
    ])
    expect(report.addedBackends).toEqual([
      { id: 'id-2', name: 'localhost:11434', url: 'http://localhost:11434', enabled: true },
    ])
  })

  test('a key given by hand that could never be sent is refused, not stored', () => {
    const plan = emptyPlan()
    plan.keys.push({ key: 'has space 123', name: '', source: 'keys-txt', file: 'x' })
    const { config, report } = applyPlan(defaultConfig(), plan, fakeDeps())
    expect(config.keys).toEqual([])
    expect(report).toMatchObject({ keysAdded: 0, keysSkipped: 1 })
  })

  test('parses and applies a key map in one go, the way the CLI will', () => {
    const plan = mergePlans([parseImportFile('api_keys.conf', '"Bearer abcdefgh12345678" 1;\n')])
    const { config, report } = applyPlan(defaultConfig(), plan, fakeDeps())
    expect(config.keys.map((k) => k.hash)).toEqual([sha256('abcdefgh12345678')])
    expect(report.keysAdded).toBe(1)
  })
})
