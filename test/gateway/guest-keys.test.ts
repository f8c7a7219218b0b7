// Guest keys against the real gateway: they stop at their expiry second (an injected clock),
// are bound to the network of the device that first uses them (seen through a trusted
// proxy's X-Forwarded-For, and from a real second loopback address), and keep that binding
// across a restart.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import http from 'node:http'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

const T0 = Date.parse('2026-06-01T12:00:00Z')
let clock = T0
let gw: TestGateway

beforeAll(async () => {
  gw = await startTestGateway({
    config: (c) => {
      c.access.trustedProxies = ['127.0.0.1']
    },
    start: { now: () => clock },
  })
})
afterAll(() => gw.close())

interface Created {
  id: string
  name: string
  key: string
  guest: boolean
  scopes: string[]
  expiresAt: string
  subnet: string | null
  connectUrls: string[]
}

async function createGuest(body: Record<string, unknown> = {}): Promise<Created> {
  const res = await gw.control<Created>('POST', '/control/keys', { guest: true, ...body })
  expect(res.status, JSON.stringify(res.body)).toBe(201)
  return res.body
}

/** GET /api/tags with node:http, which can send from a chosen local address (`from`). */
function tags(
  key: string,
  opts: { forwardedFor?: string; from?: string } = {},
): Promise<{ status: number; body: { error?: string } }> {
  const url = new URL(`${gw.url}/api/tags`)
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        localAddress: opts.from,
        agent: false,
        headers: {
          authorization: `Bearer ${key}`,
          ...(opts.forwardedFor ? { 'x-forwarded-for': opts.forwardedFor } : {}),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (d) => (text += String(d)))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { error?: string } }),
        )
      },
    )
    req.on('error', reject)
  })
}

const savedKey = (id: string) =>
  (
    JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'config.json'), 'utf8')) as {
      keys: Array<{ id: string; subnet: string | null }>
    }
  ).keys.find((k) => k.id === id)

describe('a new guest key', () => {
  test('is inference-only, expires in 24 h by default, and opens the connect page', async () => {
    const g = await createGuest({ name: 'Sam' })
    expect(g.guest).toBe(true)
    expect(g.scopes).toEqual(['inference'])
    expect(Date.parse(g.expiresAt) - clock).toBe(24 * 3600_000)
    expect(g.subnet).toBeNull()
    expect(g.connectUrls[0]).toMatch(/\/connect#key=crl_/)
  })

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['more than inference', { scopes: ['inference', 'models'] }, /inference scope only/],
    ['no expiry', { expires: null }, /must expire/],
    ['a negative duration', { expires: '-2h' }, /negative/],
    ['a bad CIDR', { subnet: '10.0.0.0/33' }, /bad prefix length/],
  ])('with %s is refused with a 400, and no key is made', async (_name, body, message) => {
    const before = (await gw.control<unknown[]>('GET', '/control/keys')).body.length
    const res = await gw.control<{ error: string }>('POST', '/control/keys', {
      guest: true,
      name: 'bad',
      ...body,
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(message)
    expect((await gw.control<unknown[]>('GET', '/control/keys')).body.length).toBe(before)
  })
})

describe('expiry', () => {
  test('a 2 h guest works until its expiry second, then gets 401; it leaves the active list but stays in stats', async () => {
    const g = await createGuest({ name: 'Visitor', expires: '2h' })
    expect((await tags(g.key)).status).toBe(200)
    clock = Date.parse(g.expiresAt) - 1
    expect((await tags(g.key)).status).toBe(200)
    clock = Date.parse(g.expiresAt)
    const refused = await tags(g.key)
    expect(refused.status).toBe(401)
    // A guest key says it expired (ordinary keys do not: test/security/key-secrecy.test.ts).
    expect(refused.body.error).toMatch(/^this guest key expired at .*ask the owner for a new one/)

    const keys = await gw.control<Array<{ id: string; active: boolean }>>('GET', '/control/keys')
    expect(keys.body.find((k) => k.id === g.id)?.active).toBe(false)
    const stats = await gw.control<{ breakdown: Array<{ group: string; label: string }> }>(
      'GET',
      '/control/stats/summary?by=key&since=24h',
    )
    expect(stats.body.breakdown.find((r) => r.group === g.id)?.label).toBe('Visitor')
    clock = T0
  })
})

describe('the subnet binding', () => {
  test('the first device’s /24 (through a trusted proxy) binds the key; another network gets 403', async () => {
    const g = await createGuest({ name: 'Proxy guest' })
    expect((await tags(g.key, { forwardedFor: '192.168.1.10' })).status).toBe(200)
    expect((await tags(g.key, { forwardedFor: '192.168.1.77' })).status).toBe(200)
    const refused = await tags(g.key, { forwardedFor: '192.168.2.5' })
    expect(refused.status).toBe(403)
    expect(refused.body.error).toMatch(/bound to another network/)
    await eventually(() => expect(savedKey(g.id)?.subnet).toBe('192.168.1.0/24'))
  })

  test('an IPv6 device binds its /64', async () => {
    const g = await createGuest()
    expect((await tags(g.key, { forwardedFor: 'fd00:1:2:3::10' })).status).toBe(200)
    expect((await tags(g.key, { forwardedFor: 'fd00:1:2:3:ffff::1' })).status).toBe(200)
    expect((await tags(g.key, { forwardedFor: 'fd00:1:2:4::10' })).status).toBe(403)
    await eventually(() => expect(savedKey(g.id)?.subnet).toBe('fd00:1:2:3::/64'))
  })

  test('a given CIDR binds from the start: a real second loopback address is refused', async () => {
    const g = await createGuest({ subnet: '127.0.0.1/32' })
    expect((await tags(g.key, { from: '127.0.0.2' })).status).toBe(403)
    expect((await tags(g.key)).status).toBe(200)
  })

  test('use from this machine does not bind; once bound elsewhere, 127.0.0.1 and 127.0.1.1 are refused', async () => {
    const g = await createGuest()
    expect((await tags(g.key)).status).toBe(200)
    expect((await tags(g.key, { from: '127.0.1.1' })).status).toBe(200)
    expect(savedKey(g.id)?.subnet).toBeNull()
    expect((await tags(g.key, { forwardedFor: '192.168.5.5' })).status).toBe(200)
    await eventually(() => expect(savedKey(g.id)?.subnet).toBe('192.168.5.0/24'))
    expect((await tags(g.key)).status).toBe(403)
    expect((await tags(g.key, { from: '127.0.1.1' })).status).toBe(403)
  })

  test('an ordinary key is not bound to anything', async () => {
    expect((await tags(gw.key, { forwardedFor: '192.168.1.10' })).status).toBe(200)
    expect((await tags(gw.key, { forwardedFor: '10.9.9.9' })).status).toBe(200)
  })

  test('the binding survives a restart', async () => {
    const g = await createGuest({ name: 'Restarted' })
    expect((await tags(g.key, { forwardedFor: '10.1.2.3' })).status).toBe(200)
    await eventually(() => expect(savedKey(g.id)?.subnet).toBe('10.1.2.0/24'))
    await gw.restart()
    expect((await tags(g.key, { forwardedFor: '10.1.2.200' })).status).toBe(200)
    expect((await tags(g.key, { forwardedFor: '10.1.3.1' })).status).toBe(403)
  })
})
