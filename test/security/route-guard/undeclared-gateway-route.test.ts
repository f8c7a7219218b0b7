/**
 * Issue 25: the gateway port's check hook let any Fastify route without a scope through
 * without a key (`if (!route) return done()`), so a route added without one would have
 * been open to anyone. Each route now declares how it is guarded; one that does not is
 * refused when it is registered, and the declared ones are what they say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildGateway } from '../../../gateway/app.js'
import { startTestGateway, type TestGateway } from '../../support/gateway.js'

let gw: TestGateway
let app: FastifyInstance
beforeAll(async () => {
  gw = await startTestGateway()
  app = await buildGateway(gw.running.corral)
})
afterAll(async () => {
  await app?.close()
  await gw?.close()
})

describe('a gateway route', () => {
  it('that does not say how it is guarded cannot be added', () => {
    expect(() => app.get('/debug', async () => ({ secret: true }))).toThrow(
      /gateway route GET \/debug does not say how it is guarded/,
    )
  })

  it('that says its handler checks the key, or that it is public, can', async () => {
    app.get('/handled', { config: { keyCheckedByHandler: true } }, async () => 'checked')
    app.get('/open', { config: { public: true } }, async () => 'open')
    expect((await app.inject({ url: '/handled' })).body).toBe('checked')
    expect((await app.inject({ url: '/open' })).body).toBe('open')
  })

  it.each(['/config/new-key', '/%63onfig/new-key', 'http://x/config/reload'])(
    'with a scope needs a key for it, however spelled: %s',
    async (url) => {
      const res = await app.inject({ method: 'POST', url })
      expect(res.statusCode).toBe(401)
      const user = await app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${gw.key}` },
      })
      expect(user.statusCode).toBe(403)
    },
  )
})
