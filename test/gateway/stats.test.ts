// Who is using the GPU, with which model, how much: real traffic through the
// gateway, read back exactly from the control API, the CLI and /metrics.
import { afterAll, beforeAll, expect, test } from 'vitest'
import { request } from 'undici'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { runCli } from '../support/cli.js'
import { startCorral } from '../../gateway/server.js'
import { silentLogger } from '../../gateway/util/logger.js'

let gw: TestGateway
let bob: { key: string; id: string }

interface Row {
  group: string
  label: string
  requests: number
  promptTokens: number
  completionTokens: number
}

beforeAll(async () => {
  gw = await startTestGateway({
    backends: [
      { frames: 4, frameIntervalMs: 1 },
      { frames: 4, frameIntervalMs: 1, models: [{ name: 'mistral:7b' }] },
    ],
  })
  bob = await gw.newKey({ name: 'bob' })
  await gw.running.corral.health.checkNow()
  const alice = new Ollama({ host: gw.url, headers: { authorization: gw.key } })
  // alice: 3 streamed chats on llama3.2 ("one two three" = 3 prompt tokens, 4 completion each).
  for (let i = 0; i < 3; i++) {
    const s = await alice.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
    })
    for await (const _p of s) void _p
  }
  // bob: 2 OpenAI chats on mistral, one streamed without include_usage, one not streamed.
  const openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: bob.key, maxRetries: 0 })
  const s = await openai.chat.completions.create({
    model: 'mistral:7b',
    messages: [{ role: 'user', content: 'a b' }],
    stream: true,
  })
  for await (const _c of s) void _c
  await openai.chat.completions.create({
    model: 'mistral:7b',
    messages: [{ role: 'user', content: 'a b' }],
  })
  // One refusal: a wrong key.
  await (
    await request(`${gw.url}/api/tags`, { headers: { authorization: 'crl_nope' } })
  ).body.dump()
})
afterAll(() => gw.close())

test('the control API reads back exact request and token counts per key', async () => {
  const { body } = await gw.control<{ totals: { requests: number }; breakdown: Row[] }>(
    'GET',
    '/control/stats/summary?since=1h&by=key',
  )
  const byKey = Object.fromEntries(body.breakdown.map((r) => [r.label, r]))
  expect(byKey.alice).toMatchObject({ requests: 3, promptTokens: 9, completionTokens: 12 })
  expect(byKey.bob).toMatchObject({ requests: 2, completionTokens: 8 })
  // Both count the prompt: the gateway asks for a stream's usage the client did not ask for.
  expect(byKey.bob!.promptTokens).toBe(4)
})

test('per model and per backend', async () => {
  const models = (
    await gw.control<{ breakdown: Row[] }>('GET', '/control/stats/summary?since=1h&by=model')
  ).body.breakdown
  const byModel = Object.fromEntries(models.map((r) => [r.label, r.requests]))
  expect(byModel).toMatchObject({ 'llama3.2': 3, 'mistral:7b': 2 })
  const backends = (
    await gw.control<{ breakdown: Row[] }>('GET', '/control/stats/summary?since=1h&by=backend')
  ).body.breakdown
  const b1 = backends.find((r) => r.label === 'b1')!
  expect(b1.requests).toBeGreaterThanOrEqual(2)
})

test('recent requests list how each ended, and never carry a key', async () => {
  const { body } = await gw.control<
    Array<{ keyName: string | null; outcome: string; status: number; ttfbMs: number | null }>
  >('GET', '/control/stats/recent?limit=20')
  expect(body[0]).toMatchObject({ keyName: null, outcome: 'refused', status: 401 })
  expect(body.filter((r) => r.keyName === 'alice' && r.outcome === 'done')).toHaveLength(3)
  expect(JSON.stringify(body)).not.toContain(gw.key)
  expect(JSON.stringify(body)).not.toContain(bob.key)
})

test('the CLI reads the same figures, from the running server', async () => {
  const r = await runCli([
    'stats',
    '--since',
    '1h',
    '--by',
    'key',
    '--json',
    '--data-dir',
    gw.dataDir,
  ])
  expect(r.code).toBe(0)
  const out = JSON.parse(r.stdout) as { breakdown: Row[] }
  expect(out.breakdown.find((x) => x.label === 'alice')).toMatchObject({
    requests: 3,
    promptTokens: 9,
    completionTokens: 12,
  })
})

test('/metrics carries the Go gateway metric names and the token counts', async () => {
  const res = await request(`${gw.url}/metrics`)
  expect(res.statusCode).toBe(200)
  const text = await res.body.text()
  for (const name of [
    'gateway_requests_total',
    'gateway_requests_duration_seconds',
    'gateway_requests_by_ip_total',
    'gateway_requests_success_total',
    'gateway_requests_failure_total',
    'gateway_apikeys_total',
    'gateway_ollama_servers_total',
  ]) {
    expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'))
  }
  expect(text).toMatch(/^gateway_apikeys_total 2$/m)
  expect(text).toMatch(/^gateway_ollama_servers_total 2$/m)
  expect(text).not.toContain(gw.key)
})

test('stats survive a restart', async () => {
  const dataDir = gw.dataDir
  await gw.running.close()
  const again = await startCorral({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    controlPort: 0,
    uiDir: null,
    logger: silentLogger,
  })
  try {
    const totals = again.corral.stats.store!.totals({
      since: Date.now() - 3_600_000,
      until: Date.now(),
    })
    // 3 from alice, 2 from bob, 1 refused; the /metrics scrape is not usage.
    expect(totals.requests).toBe(6)
    expect(totals.completionTokens).toBe(20)
  } finally {
    await again.close()
  }
  // Let afterAll's close() find a running instance to stop.
  gw.running = await startCorral({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    controlPort: 0,
    uiDir: null,
    logger: silentLogger,
  })
})
