import Fastify, {
  type FastifyInstance,
  type FastifyRequest,
  type LightMyRequestResponse,
} from 'fastify'
import { afterEach, describe, expect, test, vi } from 'vitest'
import {
  rateLimitErrorBody,
  rateLimitMessage,
  registerRateLimit,
  type OnRateLimited,
  type RateLimitPolicy,
} from '../../gateway/limits/index.js'

declare module 'fastify' {
  interface FastifyRequest {
    testKeyId: string | null
  }
}

interface Harness {
  app: FastifyInstance
  clock: { ms: number }
  limits: Map<string, { requests: number | null; windowSeconds: number }>
  get: (url: string, key?: string) => Promise<LightMyRequestResponse>
}

let apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.map((app) => app.close()))
  apps = []
})

/** A fastify app with a fake auth hook in `onRequest` (header `x-key`) and the rate limiter. */
async function harness(
  opts: {
    onLimited?: OnRateLimited
    realClock?: boolean
    policy?: (req: FastifyRequest) => RateLimitPolicy | null
  } = {},
): Promise<Harness> {
  const app = Fastify()
  apps.push(app)
  const clock = { ms: 1_700_000_000_000 }
  const limits = new Map<string, { requests: number | null; windowSeconds: number }>()
  app.decorateRequest('testKeyId', null)
  app.addHook('onRequest', async (req, reply) => {
    const key = req.headers['x-key']
    if (typeof key !== 'string' || key === 'bad') return reply.code(401).send({ error: 'bad key' })
    req.testKeyId = key
  })
  const getPolicy =
    opts.policy ??
    ((req: FastifyRequest): RateLimitPolicy | null => {
      const limit = req.testKeyId === null ? undefined : limits.get(req.testKeyId)
      return limit && req.testKeyId !== null ? { keyId: req.testKeyId, ...limit } : null
    })
  await registerRateLimit(
    app,
    getPolicy,
    opts.onLimited,
    opts.realClock ? {} : { now: () => clock.ms },
  )
  for (const url of ['/api/chat', '/v1/chat/completions']) app.post(url, async () => ({ ok: true }))
  app.get('/api/tags', async () => ({ models: [] }))
  const get = (url: string, key = 'k1') =>
    app.inject({
      method: url === '/api/tags' ? 'GET' : 'POST',
      url,
      headers: { 'x-key': key },
      payload: url === '/api/tags' ? undefined : {},
    })
  return { app, clock, limits, get }
}

describe('per-key request rate limit', () => {
  test('after `requests` in the window the next one gets 429 with RateLimit-* and Retry-After', async () => {
    const { clock, limits, get } = await harness()
    limits.set('k1', { requests: 3, windowSeconds: 60 })
    for (const [remaining, reset] of [
      [2, 60],
      [1, 55],
      [0, 50],
    ]) {
      const ok = await get('/api/chat')
      expect(ok.statusCode).toBe(200)
      expect(ok.headers['ratelimit-limit']).toBe('3')
      expect(ok.headers['ratelimit-remaining']).toBe(String(remaining))
      expect(ok.headers['ratelimit-reset']).toBe(String(reset))
      expect(ok.headers['retry-after']).toBeUndefined()
      clock.ms += 5_000
    }
    const limited = await get('/api/chat')
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['ratelimit-limit']).toBe('3')
    expect(limited.headers['ratelimit-remaining']).toBe('0')
    expect(limited.headers['ratelimit-reset']).toBe('45')
    expect(limited.headers['retry-after']).toBe('45')
    expect(limited.json()).toEqual({
      error: 'rate limit exceeded: 3 requests per 60s for this key; retry in 45s',
    })
  })

  test('the limit lifts once the window has passed', async () => {
    const { clock, limits, get } = await harness()
    limits.set('k1', { requests: 1, windowSeconds: 10 })
    expect((await get('/api/chat')).statusCode).toBe(200)
    expect((await get('/api/chat')).statusCode).toBe(429)
    clock.ms += 9_999
    expect((await get('/api/chat')).statusCode).toBe(429)
    clock.ms += 1
    const again = await get('/api/chat')
    expect(again.statusCode).toBe(200)
    expect(again.headers['ratelimit-remaining']).toBe('0')
  })

  test('with the real clock, a 1-second window recovers after a second', async () => {
    const { limits, get } = await harness({ realClock: true })
    limits.set('k1', { requests: 1, windowSeconds: 1 })
    expect((await get('/api/chat')).statusCode).toBe(200)
    const limited = await get('/api/chat')
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['retry-after']).toBe('1')
    await new Promise((resolve) => setTimeout(resolve, 1_050))
    expect((await get('/api/chat')).statusCode).toBe(200)
  })

  test('a changed limit applies to the very next request', async () => {
    const { limits, get } = await harness()
    limits.set('k1', { requests: 2, windowSeconds: 60 })
    await get('/api/chat')
    await get('/api/chat')
    expect((await get('/api/chat')).statusCode).toBe(429)
    limits.set('k1', { requests: 5, windowSeconds: 60 })
    const raised = await get('/api/chat')
    expect(raised.statusCode).toBe(200)
    expect(raised.headers['ratelimit-limit']).toBe('5')
    limits.set('k1', { requests: 1, windowSeconds: 60 })
    expect((await get('/api/chat')).statusCode).toBe(429)
  })

  test('a shorter window applies to the next request', async () => {
    const { clock, limits, get } = await harness()
    limits.set('k1', { requests: 1, windowSeconds: 3600 })
    await get('/api/chat')
    clock.ms += 30_000
    expect((await get('/api/chat')).statusCode).toBe(429)
    limits.set('k1', { requests: 1, windowSeconds: 10 })
    expect((await get('/api/chat')).statusCode).toBe(200)
  })

  test('keys without a request limit are not limited and get no RateLimit headers', async () => {
    const { limits, get } = await harness()
    limits.set('k1', { requests: null, windowSeconds: 60 })
    for (let i = 0; i < 20; i++) {
      const res = await get('/api/chat')
      expect(res.statusCode).toBe(200)
      expect(res.headers['ratelimit-limit']).toBeUndefined()
    }
    const noPolicy = await get('/api/chat', 'unknown-key')
    expect(noPolicy.statusCode).toBe(200)
    expect(noPolicy.headers['ratelimit-limit']).toBeUndefined()
  })

  test('each key has its own counter', async () => {
    const { limits, get } = await harness()
    limits.set('k1', { requests: 1, windowSeconds: 60 })
    limits.set('k2', { requests: 1, windowSeconds: 60 })
    expect((await get('/api/chat', 'k1')).statusCode).toBe(200)
    expect((await get('/api/chat', 'k1')).statusCode).toBe(429)
    expect((await get('/api/chat', 'k2')).statusCode).toBe(200)
  })

  test('requests refused by auth in onRequest are not counted', async () => {
    const { limits, get } = await harness()
    limits.set('bad', { requests: 1, windowSeconds: 60 })
    limits.set('k1', { requests: 1, windowSeconds: 60 })
    for (let i = 0; i < 3; i++) {
      const res = await get('/api/chat', 'bad')
      expect(res.statusCode).toBe(401)
      expect(res.headers['ratelimit-limit']).toBeUndefined()
    }
    expect((await get('/api/chat', 'k1')).statusCode).toBe(200)
  })

  test('by default a /v1 path gets the OpenAI error dialect', async () => {
    const { limits, get } = await harness()
    limits.set('k1', { requests: 1, windowSeconds: 60 })
    await get('/v1/chat/completions')
    const limited = await get('/v1/chat/completions')
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toEqual({
      error: {
        message: 'rate limit exceeded: 1 requests per 60s for this key; retry in 60s',
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
      },
    })
  })

  test('the app’s dialect hook decides the 429 body', async () => {
    const onLimited = vi.fn<OnRateLimited>((req, _reply, retryAfterSeconds, info) =>
      rateLimitErrorBody(
        req.headers['x-dialect'] === 'openai' ? 'openai' : 'ollama',
        `slow down (${retryAfterSeconds}s): ${rateLimitMessage(info)}`,
      ),
    )
    const { app, limits } = await harness({ onLimited })
    limits.set('k1', { requests: 1, windowSeconds: 60 })
    const send = (dialect: string) =>
      app.inject({
        method: 'GET',
        url: '/api/tags',
        headers: { 'x-key': 'k1', 'x-dialect': dialect },
      })
    expect((await send('openai')).statusCode).toBe(200)
    const limited = await send('openai')
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({
      error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
    })
    expect((await send('ollama')).json()).toEqual({
      error: 'slow down (60s): rate limit exceeded: 1 requests per 60s for this key; retry in 60s',
    })
    expect(onLimited).toHaveBeenCalledTimes(2)
    expect(onLimited.mock.calls[0]?.[3]).toEqual({
      keyId: 'k1',
      limit: 1,
      windowSeconds: 60,
      retryAfterSeconds: 60,
    })
  })

  test('a dialect hook may send the reply itself', async () => {
    const { limits, get } = await harness({
      onLimited: (_req, reply) => reply.code(429).header('content-type', 'text/plain').send('nope'),
    })
    limits.set('k1', { requests: 1, windowSeconds: 60 })
    await get('/api/chat')
    const limited = await get('/api/chat')
    expect(limited.statusCode).toBe(429)
    expect(limited.body).toBe('nope')
    expect(limited.headers['retry-after']).toBe('60')
  })
})
