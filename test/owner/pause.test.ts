// Pausing a key (refused, or waiting in the fair queue), timed pauses, "pause everyone
// but me", and pause state across a restart: the real gateway, real HTTP, the stand-in backend.
import fs from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { request } from 'undici'
import OpenAI from 'openai'
import { startCorral } from '../../gateway/server.js'
import { silentLogger } from '../../gateway/util/logger.js'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

const chat = (gw: TestGateway, key: string, extra: Record<string, unknown> = {}, headers = {}) =>
  request(`${gw.url}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      ...extra,
    }),
  })

async function answer(res: Awaited<ReturnType<typeof request>>) {
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as unknown }
}

describe('a paused key', () => {
  test('is refused with 503 CORRAL_ERR_PAUSED and Retry-After in each dialect, on both request paths, while another key is served', async () => {
    gw = await startTestGateway()
    const bob = await gw.newKey({ name: 'bob' })
    const paused = await gw.control('POST', `/control/keys/${gw.keyId}/pause`, {})
    expect(paused.status).toBe(200)
    expect(paused.body).toMatchObject({ keyId: gw.keyId, keyName: 'alice', until: null })

    const ollama = await answer(await chat(gw, gw.key))
    expect(ollama.status).toBe(503)
    expect(ollama.body).toEqual({ error: expect.stringMatching(/^paused by the owner until /) })
    expect(ollama.headers['retry-after']).toBe('60')

    const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key, maxRetries: 0 })
    const err = await openai.chat.completions
      .create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OpenAI.APIError)
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503)
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('corral_err_paused')

    // A parametric route is matched by Fastify's router, then served by the same pipeline.
    const viaFastify = await answer(
      await request(`${gw.url}/v1/models/llama3.2`, {
        headers: { authorization: `Bearer ${gw.key}` },
      }),
    )
    expect(viaFastify.status).toBe(503)
    expect(viaFastify.body).toMatchObject({ error: { code: 'corral_err_paused' } })

    expect((await answer(await chat(gw, bob.key))).status).toBe(200)
    expect(gw.fakes[0]!.requests.filter((r) => r.path === '/api/chat')).toHaveLength(1)

    const resumed = await gw.control('POST', `/control/keys/alice/resume`)
    expect(resumed.body).toEqual({ keyId: gw.keyId, keyName: 'alice', wasPaused: true })
    expect((await answer(await chat(gw, gw.key))).status).toBe(200)
  })

  test('lets a stream that was already running finish', async () => {
    gw = await startTestGateway({ backends: [{ frames: 20, frameIntervalMs: 10 }] })
    const res = await chat(gw, gw.key, { stream: true })
    expect(res.statusCode).toBe(200)
    await gw.control('POST', `/control/keys/${gw.keyId}/pause`, {})
    const text = await res.body.text()
    const last = JSON.parse(text.trim().split('\n').pop()!) as { done: boolean }
    expect(last.done).toBe(true)
    expect((await chat(gw, gw.key)).statusCode).toBe(503)
  })

  test('with "wait", its requests wait in the fair queue while another key is served, and are served after resume', async () => {
    gw = await startTestGateway()
    const bob = await gw.newKey({ name: 'bob' })
    await gw.control('POST', `/control/keys/${gw.keyId}/pause`, { queue: true })
    const waiting = chat(gw, gw.key)
    await eventually(async () => {
      const now = await gw!.control<{ keys: Array<{ keyName: string; queued: number }> }>(
        'GET',
        '/control/activity/now',
      )
      expect(now.body.keys).toEqual([expect.objectContaining({ keyName: 'alice', queued: 1 })])
    })
    expect((await answer(await chat(gw, bob.key))).status).toBe(200)
    expect(gw.fakes[0]!.requests.filter((r) => r.path === '/api/chat')).toHaveLength(1)
    await gw.control('POST', `/control/keys/${gw.keyId}/resume`)
    const served = await answer(await waiting)
    expect(served.status).toBe(200)
    expect(gw.fakes[0]!.requests.filter((r) => r.path === '/api/chat')).toHaveLength(2)
  })

  test('for 30 minutes ends by itself when the clock passes its end', async () => {
    let clock = Date.parse('2026-12-01T10:00:00Z')
    gw = await startTestGateway({ start: { now: () => clock } })
    const paused = await gw.control<{ until: string }>('POST', `/control/keys/${gw.keyId}/pause`, {
      for: '30m',
    })
    expect(paused.body.until).toBe('2026-12-01T10:30:00.000Z')
    const refused = await chat(gw, gw.key)
    expect(refused.statusCode).toBe(503)
    expect(refused.headers['retry-after']).toBe('1800')
    await refused.body.dump()
    clock += 29 * 60_000
    expect((await chat(gw, gw.key)).headers['retry-after']).toBe('60')
    clock += 61_000
    expect((await answer(await chat(gw, gw.key))).status).toBe(200)
    const now = await gw.control<{ paused: unknown[] }>('GET', '/control/activity/now')
    expect(now.body.paused).toEqual([])
  })

  test('stays paused, with its end time, across a restart', async () => {
    gw = await startTestGateway()
    await gw.control('POST', `/control/keys/${gw.keyId}/pause`, { for: '2h', queue: false })
    const saved = JSON.parse(fs.readFileSync(`${gw.dataDir}/config.json`, 'utf8')) as {
      owner: { paused: Array<{ keyId: string; until: string }> }
    }
    expect(saved.owner.paused).toEqual([
      expect.objectContaining({ keyId: gw.keyId, until: expect.any(String) }),
    ])
    await gw.running.close()
    const again = await startCorral({
      dataDir: gw.dataDir,
      host: '127.0.0.1',
      port: 0,
      controlPort: 0,
      uiDir: null,
      logger: silentLogger,
      sharing: true,
    })
    gw.running = again
    gw.url = `http://127.0.0.1:${again.gatewayPort()}`
    const res = await chat(gw, gw.key)
    expect(res.statusCode).toBe(503)
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(7000)
    await res.body.dump()
  })
})

describe('pause everyone but me', () => {
  const lan = { 'x-forwarded-for': '192.168.1.50' }

  test('refuses other keys from the LAN, and spares the owner’s keys and this machine', async () => {
    gw = await startTestGateway({ config: (c) => void (c.access.trustedProxies = ['127.0.0.1']) })
    const mine = await gw.newKey({ name: 'owner-laptop' })
    expect((await gw.control('PUT', `/control/keys/${mine.id}/own`, { own: true })).status).toBe(
      200,
    )
    const paused = await gw.control<{ until: string | null }>('POST', '/control/pause-all', {
      for: '1h',
    })
    expect(paused.status).toBe(200)
    expect(paused.body.until).not.toBeNull()

    const refused = await answer(await chat(gw, gw.key, {}, lan))
    expect(refused.status).toBe(503)
    expect(refused.body).toEqual({ error: expect.stringMatching(/^paused by the owner until /) })
    expect((await answer(await chat(gw, mine.key, {}, lan))).status).toBe(200)
    expect((await answer(await chat(gw, gw.key))).status).toBe(200) // loopback: this machine

    const resumed = await gw.control<{ resumed: number }>('POST', '/control/resume-all')
    expect(resumed.body.resumed).toBe(1)
    expect((await answer(await chat(gw, gw.key, {}, lan))).status).toBe(200)
  })
})

describe('bad input', () => {
  test.each([
    ['an unknown key', '/control/keys/nope/pause', {}, 404, /no key with id or name "nope"/],
    ['a negative duration', '/control/keys/alice/pause', { for: '-5m' }, 400, /positive time/],
    ['a malformed duration', '/control/keys/alice/pause', { for: 'soon' }, 400, /duration/],
    ['a zero duration', '/control/pause-all', { for: '0m' }, 400, /positive time/],
    ['a wrong type', '/control/keys/alice/pause', { queue: 'yes' }, 400, /queue/],
    ['an unknown key to kick', '/control/keys/nope/kick', undefined, 404, /no key/],
    ['an unknown key to resume', '/control/keys/nope/resume', undefined, 404, /no key/],
  ])('%s gets a clear error and changes nothing', async (_what, path, body, status, message) => {
    gw ??= await startTestGateway()
    const before = fs.readFileSync(`${gw.dataDir}/config.json`, 'utf8')
    const res = await gw.control<{ error: string }>('POST', path, body)
    expect(res.status).toBe(status)
    expect(res.body.error).toMatch(message)
    expect(fs.readFileSync(`${gw.dataDir}/config.json`, 'utf8')).toBe(before)
    expect((await chat(gw, gw.key)).statusCode).toBe(200)
  })
})

describe('the OpenAPI document', () => {
  test('lists the owner routes with their schemas', async () => {
    gw = await startTestGateway()
    const doc = await gw.control<{
      paths: Record<string, Record<string, { tags?: string[]; requestBody?: unknown }>>
    }>('GET', '/control/openapi.json')
    const owner = Object.entries(doc.body.paths).flatMap(([p, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.tags?.includes('owner'))
        .map(([m]) => `${m.toUpperCase()} ${p}`),
    )
    expect(owner.sort()).toEqual([
      'DELETE /control/pause-all',
      'GET /control/activity/now',
      'POST /control/keys/{id}/kick',
      'POST /control/keys/{id}/pause',
      'POST /control/keys/{id}/resume',
      'POST /control/pause-all',
      'POST /control/resume-all',
      'PUT /control/keys/{id}/own',
    ])
    expect(JSON.stringify(doc.body.paths['/control/keys/{id}/pause']!.post!.requestBody)).toContain(
      '"queue"',
    )
  })
})
