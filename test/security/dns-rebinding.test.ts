// DNS rebinding: a web page whose name was re-pointed at 127.0.0.1 reaches the
// control listener with its own name in Host; the listener refuses it, token
// or not. And the gateway never passes a client's Host on to a backend.
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { rawExchange } from '../support/raw-http.js'

let gw: TestGateway
let controlPort: number

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.balancer.healthIntervalMs = 600_000) })
  controlPort = (gw.running.control.server.address() as AddressInfo).port
})
afterAll(() => gw.close())

/** GET on the control listener with the real token and a chosen Host line (or none). */
async function controlGet(path: string, hostLine: string | null, version = '1.1') {
  const host = hostLine === null ? '' : `Host: ${hostLine}\r\n`
  const res = await rawExchange(
    controlPort,
    `GET ${path} HTTP/${version}\r\n${host}Authorization: Bearer ${gw.running.token}\r\nConnection: close\r\n\r\n`,
  )
  return res.statuses[0]
}

test('the control listener listens on 127.0.0.1 only', () => {
  expect((gw.running.control.server.address() as AddressInfo).address).toBe('127.0.0.1')
})

describe('a foreign Host is refused even with the control token', () => {
  test.each([
    ['a rebinding attacker name with the port', () => `evil.example:${controlPort}`],
    ['a rebinding attacker name without a port', () => 'evil.example'],
    ['127.0.0.1 without the port', () => '127.0.0.1'],
    ['127.0.0.1 on another port', () => `127.0.0.1:${controlPort + 1}`],
    ['localhost with a trailing dot', () => `localhost.:${controlPort}`],
    ['a name that starts like localhost', () => `localhost.evil.example:${controlPort}`],
    ['userinfo in front of the address', () => `evil@127.0.0.1:${controlPort}`],
    ['the LAN address of this machine', () => `192.168.1.10:${controlPort}`],
    ['0.0.0.0', () => `0.0.0.0:${controlPort}`],
  ])('%s', async (_name, host) => {
    expect(await controlGet('/control/status', host())).toBe(403)
    expect(await controlGet('/', host())).toBe(403)
    expect(await controlGet('/control/openapi.json', host())).toBe(403)
  })

  test('no Host at all (HTTP/1.0)', async () => {
    expect(await controlGet('/control/status', null, '1.0')).toBe(403)
  })
})

describe('the names this machine calls itself are accepted', () => {
  test.each([
    ['127.0.0.1', () => `127.0.0.1:${controlPort}`],
    ['localhost', () => `localhost:${controlPort}`],
    ['[::1]', () => `[::1]:${controlPort}`],
  ])('%s with the port', async (_name, host) => {
    expect(await controlGet('/control/status', host())).toBe(200)
  })

  test('a right Host without the token is still 401', async () => {
    const res = await rawExchange(
      controlPort,
      `GET /control/status HTTP/1.1\r\nHost: 127.0.0.1:${controlPort}\r\nConnection: close\r\n\r\n`,
    )
    expect(res.statuses).toEqual([401])
  })
})

describe('the gateway sends each backend its own Host', () => {
  test.each(['evil.example', 'localhost:11434', '127.0.0.1', `127.0.0.1:${controlPort}`])(
    'a client Host of %s is not passed on',
    async (clientHost) => {
      const id = `host-${clientHost}`
      const res = await rawExchange(
        Number(new URL(gw.url).port),
        `GET /api/version HTTP/1.1\r\nHost: ${clientHost}\r\nAuthorization: Bearer ${gw.key}\r\nX-Probe: ${id}\r\n` +
          `X-Forwarded-Host: ${clientHost}\r\nConnection: close\r\n\r\n`,
      )
      expect(res.statuses).toEqual([200])
      const [up] = gw.fakes[0]!.requests.filter((r) => r.headers['x-probe'] === id)
      expect(up!.headers.host).toBe(new URL(gw.fakes[0]!.url).host)
    },
  )
})
