import { describe, expect, test } from 'vitest'
import { ImportError, parseImportFile } from '../../gateway/import/index.js'
import { messages, parseFixture } from './helpers.js'

const SEED_KEY = 'ahP7DieD7rNpTUa6No--iJpOaXY3TDK8dIjKg0cp-hI'

describe('Go ollama-gateway config.json', () => {
  test('reads the variant with loadBalancer into keys, backends and settings', () => {
    const plan = parseFixture('go-gateway-config.json')
    const at = { source: 'go-gateway', file: 'go-gateway-config.json' }
    expect(plan.keys).toEqual([{ key: SEED_KEY, name: '', ...at, line: 14 }])
    expect(plan.backends).toEqual([
      { url: 'http://localhost:11434', name: 'localhost:11434', ...at, line: 3 },
    ])
    expect(plan.settings).toEqual({
      server: { host: '0.0.0.0', port: 8080 },
      logging: { enabled: true },
      metrics: { enabled: true, path: '/metrics', namespace: 'gateway' },
      balancer: { healthIntervalMs: 30_000, healthPath: '/', healthTimeoutMs: 5_000 },
    })
  })

  test("reads the variant without loadBalancer, keeping the key's = padding", () => {
    const plan = parseFixture('go-gateway-config-v1.json')
    expect(plan.keys.map((k) => [k.key, k.line])).toEqual([[`${SEED_KEY}=`, 7]])
    expect(plan.backends.map((b) => b.url)).toEqual(['http://localhost:11434'])
    expect(plan.settings).toEqual({
      server: { host: '0.0.0.0', port: 8080 },
      logging: { enabled: true },
      metrics: { enabled: true, path: '/metrics', namespace: 'gateway' },
    })
  })

  test('keeps port 8080 so clients need no change, and says so', () => {
    const plan = parseFixture('go-gateway-config.json')
    expect(plan.notes).toContainEqual({
      level: 'info',
      file: 'go-gateway-config.json',
      line: 10,
      message: expect.stringMatching(
        /clients used port 8080; Corral's default is 11435.*no change/,
      ),
    })
  })

  test('warns that an empty allowIps meant "everyone" and keeps the LAN-only default', () => {
    const plan = parseFixture('go-gateway-config.json')
    expect(plan.settings.access).toBeUndefined()
    expect(plan.notes).toContainEqual({
      level: 'warn',
      file: 'go-gateway-config.json',
      line: 21,
      message: expect.stringMatching(/allowIps was empty.*every address.*LAN-only default/),
    })
  })

  test('needs no custom header for "Authorization" and notes a disabled rate limit', () => {
    const plan = parseFixture('go-gateway-config.json')
    expect(plan.settings.auth).toBeUndefined()
    expect(plan.settings.limits).toBeUndefined()
    expect(messages(plan, 'info')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/authHeaderName "Authorization" needs no setting/),
        expect.stringMatching(/rateLimit is disabled \(10 requests per 15 s\)/),
      ]),
    )
  })

  test('carries over a custom header, an enabled rate limit, IP lists and metrics', () => {
    const plan = parseFixture('go-gateway-config-custom.json')
    expect(plan.settings).toEqual({
      server: { port: 9000 },
      logging: { enabled: false },
      auth: { headerName: 'X-Gateway-Key' },
      limits: { enabled: true, defaults: { requests: 120, windowSeconds: 60 } },
      access: { allow: ['192.168.1.0/24', '10.8.0.5'], deny: ['192.168.1.66'] },
      metrics: { enabled: false, path: '/internal/metrics', namespace: 'ollama_gw' },
      balancer: { healthIntervalMs: 15_000, healthPath: '/api/tags', healthTimeoutMs: 1_500 },
    })
    expect(plan.keys.map((k) => [k.key, k.line])).toEqual([
      ['Zm9vYmFyLWJhei1xdXV4LWtleS0xMjM0NTY3OA==', 16],
      ['k2-VsQx9PzR0aLm4Nt7Bw1Ce5Dy8Ef3Gh6Ij0Kl2Mn', 17],
    ])
  })

  test('normalizes trailing slashes and takes a repeated address once', () => {
    const plan = parseFixture('go-gateway-config-custom.json')
    expect(plan.backends.map((b) => [b.url, b.line])).toEqual([
      ['http://192.168.1.20:11434', 3],
      ['http://gpu-box.lan:11434', 4],
    ])
    expect(plan.notes).toContainEqual({
      level: 'info',
      file: 'go-gateway-config-custom.json',
      line: 5,
      message: expect.stringMatching(/repeats http:\/\/192.168.1.20:11434/),
    })
  })

  test('X-API-Key as authHeaderName needs no setting either', () => {
    const text = JSON.stringify({ apiKeys: ['abcdefgh-1234'], authHeaderName: 'x-api-key' })
    const plan = parseImportFile('config.json', text)
    expect(plan.settings.auth).toBeUndefined()
  })

  test('matches field names case-insensitively, as Go does', () => {
    const text =
      '{"OLLAMAADDRESSES": ["http://h:1"], "ApiKeys": ["abcdefgh-1234"], "Logging": false}'
    const plan = parseImportFile('config.json', text)
    expect(plan.keys.map((k) => k.key)).toEqual(['abcdefgh-1234'])
    expect(plan.backends.map((b) => b.url)).toEqual(['http://h:1'])
    expect(plan.settings).toEqual({ logging: { enabled: false } })
    expect(messages(plan, 'warn')).toEqual(
      expect.not.arrayContaining([expect.stringMatching(/unknown field/)]),
    )
  })

  test('notes every unknown field, wrong type and out-of-range value, importing the rest', () => {
    const plan = parseFixture('go-gateway-odd.json')
    expect(plan.keys.map((k) => k.key)).toEqual(['good-key-Qw8Er7Ty6Ui5'])
    expect(plan.backends.map((b) => b.url)).toEqual(['http://gpu3.lan:11434'])
    expect(plan.settings).toEqual({ metrics: { enabled: true } })
    const warned = plan.notes.filter((n) => n.level === 'warn').map((n) => [n.line, n.message])
    expect(warned).toEqual([
      [11, 'unknown field "tls" ignored'],
      [2, expect.stringMatching(/"ftp:\/\/files.lan\/".*scheme "ftp"/)],
      [2, expect.stringMatching(/entry 42 is not a string/)],
      [3, expect.stringMatching(/gatewayAddress "somewhere" not understood/)],
      [4, 'logging ignored: expected true or false'],
      [5, expect.stringMatching(/"X_Api_Key" not imported/)],
      [6, expect.stringMatching(/4-character key: it is shorter than 8/)],
      [6, expect.stringMatching(/17-character key: it contains whitespace/)],
      [7, 'unknown field "rateLimit.burst" ignored'],
      [
        7,
        expect.stringMatching(/rateLimit not imported \(maxRequests = 0: .*greater or equal to 1/),
      ],
      [8, expect.stringMatching(/"not-an-ip" is not an IP address/)],
      [8, expect.stringMatching(/"300.1.1.1" is not an IP address/)],
      [8, 'denyIps ignored: expected a list of addresses'],
      [8, expect.stringMatching(/no valid allowIps entry/)],
      [
        9,
        expect.stringMatching(
          /metrics.endpoint \(Corral's metrics.path\) = "metrics" not imported/,
        ),
      ],
      [9, expect.stringMatching(/metrics.namespace = "my-gateway" not imported/)],
      [10, expect.stringMatching(/healthCheckIntervalInSeconds.* = 100 not imported: .*500/)],
      [10, expect.stringMatching(/healthCheckTimeoutInMilliseconds.* = "5s" not imported/)],
    ])
    expect(plan.notes).toContainEqual({
      level: 'info',
      file: 'go-gateway-odd.json',
      line: 6,
      message: expect.stringMatching(/repeats the one at go-gateway-odd.json:6/),
    })
  })

  test('a broken config.json throws an ImportError that points at the line', () => {
    let error: unknown
    try {
      parseFixture('go-gateway-broken.json')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ImportError)
    expect(error).toMatchObject({
      code: 'CORRAL_ERR_IMPORT_FORMAT',
      file: 'go-gateway-broken.json',
      line: 6,
      message: expect.stringMatching(/^go-gateway-broken.json:6: not valid JSON/),
    })
  })

  test("JSON that is not the Go gateway's config is not recognised", () => {
    expect(() => parseImportFile('package.json', '{"name": "x", "version": "1.0.0"}')).toThrow(
      ImportError,
    )
    expect(() => parseImportFile('config.json', '[]')).toThrow(ImportError)
  })
})

describe('Go ollama-gateway config.json saved by Windows tools', () => {
  test('reads a config with a byte-order mark and CRLF line endings', () => {
    const text =
      '\ufeff{\r\n  "ollamaAddresses": ["http://10.0.0.2:11434/"],\r\n  "apiKeys": ["abcdefgh-1234="]\r\n}\r\n'
    const plan = parseImportFile('config.json', text)
    expect(plan.keys.map((k) => [k.key, k.line])).toEqual([['abcdefgh-1234=', 3]])
    expect(plan.backends.map((b) => [b.url, b.line])).toEqual([['http://10.0.0.2:11434', 2]])
  })
})
