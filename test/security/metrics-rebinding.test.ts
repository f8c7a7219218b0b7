// Issue 25: key-less /metrics from loopback also requires a loopback Host. A page on
// another site whose name was re-pointed at 127.0.0.1 (DNS rebinding) reaches the gateway
// from this machine, but names its own host: it needs a key like anyone else.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { rawExchange } from '../support/raw-http.js'

let gw: TestGateway
let port: number

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.balancer.healthIntervalMs = 600_000) })
  port = Number(new URL(gw.url).port)
})
afterAll(() => gw.close())

async function metrics(hostLine: string | null, auth = '') {
  const host = hostLine === null ? '' : `Host: ${hostLine}\r\n`
  const res = await rawExchange(
    port,
    `GET /metrics HTTP/1.1\r\n${host}${auth}Connection: close\r\n\r\n`,
  )
  return { status: res.statuses[0], text: res.text }
}

describe('key-less /metrics from loopback with a loopback Host is served', () => {
  test.each([
    ['127.0.0.1:PORT', () => `127.0.0.1:${port}`],
    ['localhost:PORT', () => `localhost:${port}`],
    ['[::1]:PORT', () => `[::1]:${port}`],
  ])('%s', async (_name, host) => {
    const res = await metrics(host())
    expect(res.status).toBe(200)
    expect(res.text).toContain('# TYPE')
  })
})

describe('key-less /metrics from loopback with any other Host needs a key (DNS rebinding)', () => {
  test.each([
    ['a rebinding page name with the port', () => `evil.example:${port}`],
    ['a rebinding page name without a port', () => 'evil.example'],
    ['127.0.0.1 without the port', () => '127.0.0.1'],
    ['127.0.0.1 on another port', () => `127.0.0.1:${port + 1}`],
    ['a name that starts like localhost', () => `localhost.evil.example:${port}`],
    ['no Host line at all (HTTP/1.1)', () => null],
  ])('%s', async (_name, host) => {
    const res = await metrics(host())
    expect([400, 401]).toContain(res.status)
    expect(res.text).not.toContain('# TYPE')
  })

  test('a key with the metrics scope still reads /metrics under any Host', async () => {
    const { key } = await gw.newKey({ name: 'prom', scopes: ['metrics'] })
    const res = await metrics(`evil.example:${port}`, `Authorization: Bearer ${key}\r\n`)
    expect(res.status).toBe(200)
  })
})
