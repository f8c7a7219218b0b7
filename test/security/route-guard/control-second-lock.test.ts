/**
 * Issue 25: the control port's second lock, which holds even when the token is right (a page
 * that learned it, a token pasted into the wrong place): a request from another web page
 * (Origin, Sec-Fetch-Site) is refused; a state-changing request must say JSON, which no form
 * or no-cors fetch can; GET changes nothing; a request target no browser sends is a 400; and
 * "Share on this network" does not turn sharing on when the owner had it off.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'undici'
import { startTestGateway, type TestGateway } from '../../support/gateway.js'
import { rawExchange } from '../../support/raw-http.js'
import { OFFICE } from '../../support/networks.js'

let gw: TestGateway
let port: number
beforeAll(async () => {
  gw = await startTestGateway({
    start: { networkProbe: () => OFFICE, networkIntervalMs: 50, networkBoundDefault: false },
  })
  port = Number(new URL(gw.running.controlUrl).port)
})
afterAll(() => gw?.close())

const configText = () => fs.readFileSync(path.join(gw.dataDir, 'config.json'), 'utf8')

async function call(method: string, p: string, headers: Record<string, string>, body?: string) {
  const res = await request(gw.running.controlUrl + p, {
    method: method as 'POST',
    headers: { authorization: `Bearer ${gw.running.token}`, ...headers },
    body,
  })
  const text = await res.body.text()
  return { status: res.statusCode, body: text ? (JSON.parse(text) as { error?: string }) : null }
}

describe('with the right token, the control port still refuses', () => {
  it.each([
    ['Origin of another local page', { origin: 'http://127.0.0.1:1' }],
    ['Origin of a web site', { origin: 'https://evil.example' }],
    ['an opaque Origin (sandboxed frame, file://)', { origin: 'null' }],
    ['the control host on another scheme', { origin: 'https://localhost' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
  ])('a request with %s (403), and changes nothing', async (_name, headers) => {
    const before = configText()
    for (const [method, p, body] of [
      ['POST', '/control/resume-all', undefined],
      ['POST', '/control/keys', '{"name":"evil","scopes":["admin"]}'],
      ['GET', '/control/keys', undefined],
    ] as const) {
      const res = await call(method, p, { 'content-type': 'application/json', ...headers }, body)
      expect(res.status).toBe(403)
      expect(res.body?.error).toMatch(/^requests from other web pages are refused/)
    }
    expect(configText()).toBe(before)
  })

  it('but answers its own origin, Sec-Fetch-Site same-origin and none', async () => {
    const allowed: Array<Record<string, string>> = [
      { origin: `http://127.0.0.1:${port}` },
      { origin: `http://localhost:${port}` },
      { 'sec-fetch-site': 'same-origin' },
      { 'sec-fetch-site': 'none' },
    ]
    for (const headers of allowed) {
      expect((await call('GET', '/control/status', headers)).status).toBe(200)
    }
  })

  it.each([
    ['no Content-Type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }],
  ])('a state-changing request with %s (415), body or not', async (_name, headers) => {
    await gw.control('POST', '/control/pause-all', { for: null })
    const before = configText()
    for (const body of [undefined, '{"name":"evil"}']) {
      for (const [method, p] of [
        ['POST', '/control/resume-all'],
        ['POST', '/control/keys'],
        ['DELETE', `/control/keys/${gw.keyId}`],
      ] as const) {
        const res = await call(method, p, headers, body)
        expect(res.status).toBe(415)
        expect(res.body?.error).toContain('needs "Content-Type: application/json"')
      }
    }
    expect(configText()).toBe(before)
    // With JSON and no body, the same request is done: the lock is the type, not the body.
    expect(
      (await call('POST', '/control/resume-all', { 'content-type': 'application/json' })).status,
    ).toBe(200)
  })

  it.each([
    ['absolute form', 'GET http://127.0.0.1/control/status HTTP/1.1', /absolute-form/],
    ['a needless percent-encoding', 'GET /%63ontrol/status HTTP/1.1', /percent-encodes "c"/],
    ['an encoded dot segment', 'GET /control/%2e%2e/control/status HTTP/1.1', /percent-encodes/],
    ['a dot segment', 'GET /control/./status HTTP/1.1', /"\." or "\.\." segment/],
    ['a doubled slash', 'GET /control//status HTTP/1.1', /empty segment/],
  ])('a request target with %s (400)', async (_name, line, message) => {
    const res = await rawExchange(
      port,
      `${line}\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${gw.running.token}\r\nConnection: close\r\n\r\n`,
    )
    expect(res.statuses).toEqual([400])
    expect(JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4)).error).toMatch(message)
  })
})

describe('the control API', () => {
  it('changes nothing on any GET route of its OpenAPI document', async () => {
    type Doc = { paths: Record<string, Record<string, unknown>> }
    const doc = (await gw.control<Doc>('GET', '/control/openapi.json')).body
    const before = configText()
    const gets = Object.entries(doc.paths).filter(
      ([p, ops]) => 'get' in ops && p !== '/control/events',
    )
    expect(gets.length).toBeGreaterThan(10)
    for (const [template] of gets) {
      const p = template.replace(/\{id\}/g, gw.keyId).replace(/\{list\}/g, 'allow')
      const res = await gw.control('GET', p)
      expect(res.status, p).toBeLessThan(500)
    }
    expect(configText()).toBe(before)
  })

  it('"Share on this network" while the owner has sharing off: 409, and sharing stays off', async () => {
    expect((await gw.control('POST', '/control/sharing', { on: false })).status).toBe(200)
    const before = configText()
    const res = await gw.control<{ error: string }>('POST', '/control/network/share-here')
    expect(res.status).toBe(409)
    expect(res.body.error).toMatch(/^sharing is off/)
    expect(gw.running.sharing.isOn()).toBe(false)
    expect(configText()).toBe(before)
  })
})
