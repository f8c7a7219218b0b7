// Several Ollama-speaking servers behind one gateway look like one Ollama:
// traffic spreads, a dead backend is routed around, models route to where they are.
import { afterEach, expect, test } from 'vitest'
import { request } from 'undici'
import { Ollama } from 'ollama'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

const generate = (g: TestGateway, model = 'llama3.2', extra: Record<string, unknown> = {}) =>
  request(`${g.url}/api/generate`, {
    method: 'POST',
    headers: { authorization: g.key },
    body: JSON.stringify({ model, prompt: 'hi', stream: false, ...extra }),
  })

test('traffic spreads across backends that have the model', async () => {
  gw = await startTestGateway({ backends: 3 })
  await gw.running.corral.health.checkNow()
  for (let i = 0; i < 30; i++) await (await generate(gw)).body.dump()
  const counts = gw.fakes.map((f) => f.requests.filter((r) => r.path === '/api/generate').length)
  expect(counts.reduce((a, b) => a + b)).toBe(30)
  for (const c of counts) expect(c).toBeGreaterThanOrEqual(5)
})

test('the round-robin strategy (the Go gateway’s) takes turns exactly', async () => {
  gw = await startTestGateway({
    backends: 2,
    config: (c) => void (c.balancer.strategy = 'round-robin'),
  })
  await gw.running.corral.health.checkNow()
  for (let i = 0; i < 10; i++) await (await generate(gw)).body.dump()
  expect(gw.fakes.map((f) => f.requests.filter((r) => r.path === '/api/generate').length)).toEqual([
    5, 5,
  ])
})

test('a model present on one backend only is always routed there', async () => {
  gw = await startTestGateway({
    backends: [
      { models: [{ name: 'llama3.2:latest' }] },
      { models: [{ name: 'llama3.2:latest' }, { name: 'mistral:7b' }] },
    ],
  })
  await gw.running.corral.health.checkNow()
  for (let i = 0; i < 8; i++) {
    const res = await generate(gw, 'mistral:7b')
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  }
  expect(gw.fakes[0]!.requests.filter((r) => r.path === '/api/generate')).toEqual([])
  expect(gw.fakes[1]!.requests.filter((r) => r.path === '/api/generate')).toHaveLength(8)
  const missing = await generate(gw, 'phi3')
  expect(missing.statusCode).toBe(404)
  expect(await missing.body.json()).toEqual({
    error: 'model "phi3" not found, try pulling it first',
  })
})

test('a backend with the model loaded is preferred', async () => {
  gw = await startTestGateway({ backends: [{}, { loaded: ['qwen2.5:0.5b'] }] })
  await gw.running.corral.health.checkNow()
  for (let i = 0; i < 6; i++) await (await generate(gw, 'qwen2.5:0.5b')).body.dump()
  expect(gw.fakes[1]!.requests.filter((r) => r.path === '/api/generate')).toHaveLength(6)
})

test('merged /api/tags is the deduplicated union of the healthy backends', async () => {
  gw = await startTestGateway({
    backends: [
      { models: [{ name: 'llama3.2:latest' }, { name: 'qwen2.5:0.5b' }] },
      { models: [{ name: 'llama3.2:latest' }, { name: 'mistral:7b' }] },
      { models: [{ name: 'phi3:mini' }] },
    ],
  })
  const ollama = new Ollama({ host: gw.url, headers: { authorization: gw.key } })
  const names = (await ollama.list()).models.map((m) => m.name).sort()
  expect(names).toEqual(['llama3.2:latest', 'mistral:7b', 'phi3:mini', 'qwen2.5:0.5b'])
  await gw.fakes[2]!.kill()
  await gw.running.corral.health.checkNow()
  const after = (await ollama.list()).models.map((m) => m.name).sort()
  expect(after).toEqual(['llama3.2:latest', 'mistral:7b', 'qwen2.5:0.5b'])
})

test('a killed backend stops getting requests within one health interval; requests meanwhile succeed by retry', async () => {
  gw = await startTestGateway({
    backends: 2,
    config: (c) => void (c.balancer.healthIntervalMs = 500),
  })
  await gw.running.corral.health.checkNow()
  await gw.fakes[0]!.kill()
  const started = Date.now()
  const statuses: number[] = []
  while (Date.now() - started < 1500) {
    const res = await generate(gw)
    statuses.push(res.statusCode)
    await res.body.dump()
  }
  expect(statuses.length).toBeGreaterThan(5)
  expect(statuses.filter((s) => s !== 200)).toEqual([])
  const dead = gw.running.corral.pool.get('b0')!
  expect(dead.state).toBe('down')
  const status = await gw.control<{ backends: Array<{ id: string; state: string }> }>(
    'GET',
    '/control/status',
  )
  expect(status.body.backends.find((b) => b.id === 'b0')!.state).toBe('down')
})

test('a backend that comes back gets traffic again once its checks pass', async () => {
  gw = await startTestGateway({
    backends: 2,
    config: (c) => void (c.balancer.healthIntervalMs = 500),
  })
  const port = gw.fakes[0]!.port
  await gw.fakes[0]!.kill()
  await gw.running.corral.health.checkNow()
  expect(gw.running.corral.pool.get('b0')!.state).toBe('down')
  const { startFakeOllama } = await import('../support/fake-ollama.js')
  const revived = await startFakeOllama({ port, name: 'b0' })
  try {
    await eventually(() => expect(gw!.running.corral.pool.get('b0')!.state).toBe('up'), 3000)
    for (let i = 0; i < 10; i++) await (await generate(gw)).body.dump()
    expect(revived.requests.filter((r) => r.path === '/api/generate').length).toBeGreaterThan(0)
  } finally {
    await revived.close()
  }
})

test('a teammate’s Corral can be a backend: its upstream key is sent, the client’s is not', async () => {
  gw = await startTestGateway({ config: (c) => void (c.backends[0]!.key = 'crl_upstream-secret') })
  await (await generate(gw)).body.dump()
  const seen = gw.fakes[0]!.requests.find((r) => r.path === '/api/generate')!
  expect(seen.headers.authorization).toBe('Bearer crl_upstream-secret')
})

test('pulling a model through the control API reports progress until success', async () => {
  gw = await startTestGateway({ backends: [{ frameIntervalMs: 5 }] })
  const started = await gw.control<{ id: string }>('POST', '/control/pull', { model: 'tinyllama' })
  expect(started.status).toBe(202)
  const job = await eventually(async () => {
    const list = await gw!.control<
      Array<{
        id: string
        done: boolean
        status: string
        total: number
        completed: number
        error: string | null
      }>
    >('GET', '/control/pulls')
    const j = list.body.find((x) => x.id === started.body.id)!
    expect(j.done).toBe(true)
    return j
  })
  expect(job).toMatchObject({ status: 'success', error: null })
  expect(job.total).toBeGreaterThan(0)
  expect(job.completed).toBe(job.total)
  const tags = await (
    await request(`${gw.url}/api/tags`, { headers: { authorization: gw.key } })
  ).body.json()
  expect(JSON.stringify(tags)).toContain('tinyllama')
})

test('ensureModels pulls what a backend is missing, once', async () => {
  gw = await startTestGateway({
    backends: [{ frameIntervalMs: 5 }],
    config: (c) => void (c.ensureModels = [{ model: 'phi3:mini', backends: [] }]),
  })
  await gw.running.corral.health.checkNow()
  await eventually(() =>
    expect(gw!.running.corral.pulls.list().find((j) => j.model === 'phi3:mini')?.done).toBe(true),
  )
  await gw.running.corral.health.checkNow()
  expect(gw.fakes[0]!.requests.filter((r) => r.path === '/api/pull')).toHaveLength(1)
})
