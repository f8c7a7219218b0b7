// The control listener's two locks: the token (Authorization header only) and
// the Host check that keeps DNS-rebinding pages out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { raw as rawFor } from './helpers.js'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway()
})
afterAll(() => gw?.close())
const raw = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  rawFor(gw, path, headers, method)

describe('the control API refuses', () => {
  const PATHS: Array<[string, string]> = [
    ['GET', '/control/status'],
    ['GET', '/control/keys'],
    ['POST', '/control/keys'],
    ['GET', '/control/settings'],
    ['PATCH', '/control/settings'],
    ['GET', '/control/access/presets'],
    ['PUT', '/control/access/allow'],
    ['GET', '/control/openapi.json'],
    ['GET', '/control/events'],
    ['GET', '/control/pulls'],
  ]

  it.each(PATHS)('%s %s without a token', async (method, path) => {
    const res = await raw(path, {}, method)
    expect(res.statusCode).toBe(401)
    expect(await res.body.json()).toEqual({ error: 'missing or wrong control token' })
  })

  it.each(PATHS)('%s %s with a wrong token of the same length', async (method, path) => {
    const wrong = gw.running.token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))
    const res = await raw(path, { authorization: `Bearer ${wrong}` }, method)
    expect(res.statusCode).toBe(401)
    await res.body.dump()
  })

  it('the token in the URL instead of the Authorization header', async () => {
    const res = await raw(`/control/status?token=${gw.running.token}`)
    expect(res.statusCode).toBe(401)
    await res.body.dump()
  })

  it.each(['evil.example', 'localhost.evil.example', '127.0.0.1.nip.io', '192.168.1.5'])(
    'a foreign Host header (%s), even with the right token',
    async (host) => {
      const port = new URL(gw.running.controlUrl).port
      for (const path of ['/control/status', '/', '/index.html']) {
        const res = await raw(path, {
          host: `${host}:${port}`,
          authorization: `Bearer ${gw.running.token}`,
        })
        expect(res.statusCode).toBe(403)
        await res.body.dump()
      }
    },
  )

  it('but answers 127.0.0.1 and localhost with the token', async () => {
    const port = new URL(gw.running.controlUrl).port
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const res = await raw('/control/status', {
        host,
        authorization: `Bearer ${gw.running.token}`,
      })
      expect(res.statusCode).toBe(200)
      await res.body.dump()
    }
  })
})
