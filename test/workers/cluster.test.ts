// `corral serve --workers 2` as a user runs it: two gateway processes on one port, with a
// key's limits, the stats and the owner's view held by the primary across both. Every
// request here opens a connection of its own, so the cluster spreads them over the workers.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Agent, request } from 'undici'
import { Ollama } from 'ollama'
import { runCli, startServe } from '../support/cli.js'
import { eventually, tempDataDir, writeConfig } from '../support/gateway.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'

let fake: FakeOllama
let serve: Awaited<ReturnType<typeof startServe>>
let dir: string
let url: string
const cli = (...args: string[]) => runCli([...args, '--data-dir', dir])

/** One request on a connection of its own (closed after), so each may land on either worker. */
async function fresh(
  path: string,
  key: string,
  init: { method?: 'GET' | 'POST'; body?: unknown } = {},
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  const agent = new Agent({ pipelining: 0 })
  try {
    const res = await request(`${url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${key}` },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      dispatcher: agent,
    })
    return { status: res.statusCode, text: await res.body.text(), headers: res.headers }
  } finally {
    await agent.close()
  }
}

async function createKey(...flags: string[]): Promise<{ id: string; key: string }> {
  const r = await cli('keys', 'create', '--json', ...flags)
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as { id: string; key: string }
}

/** The pids of the serve process's children (its workers). */
function childrenOf(pid: number): number[] {
  const out: number[] = []
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) out.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

/** Which processes hold connections to the fake backend (ss -tnp). */
function backendConnectionOwners(): number[] {
  const out = execFileSync('ss', ['-Htnp', 'dst', `127.0.0.1:${fake.port}`], { encoding: 'utf8' })
  return [...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]))
}

const generate = { model: 'llama3.2', prompt: 'hi', stream: false }

beforeAll(async () => {
  fake = await startFakeOllama({ frames: 3, frameIntervalMs: 2 })
  dir = tempDataDir()
  serve = await startServe([
    ...['--data-dir', dir, '--host', '127.0.0.1', '--port', '0', '--control-port', '0'],
    ...['--backend', fake.url, '--no-mdns', '--workers', '2'],
  ])
  url = serve.info.gateway[0]!
})
afterAll(async () => {
  serve.child.kill('SIGTERM')
  await new Promise((resolve) => serve.child.once('exit', resolve))
  await fake.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('corral serve --workers 2', () => {
  test('two worker processes share the port; both serve requests', async () => {
    expect(childrenOf(serve.child.pid!)).toHaveLength(2)
    const { key } = await createKey('--name', 'spread')
    for (let i = 0; i < 8; i++) {
      expect((await fresh('/api/generate', key, { body: generate })).status).toBe(200)
    }
    // Each worker keeps its own connections to the backend: both have some now (the
    // primary has its own too, for health checks).
    const workers = childrenOf(serve.child.pid!)
    expect(backendConnectionOwners()).toEqual(expect.arrayContaining(workers))
  })

  test('the ollama client streams a chat and lists the models; /metrics comes from the primary, 404s from the worker', async () => {
    const { key } = await createKey('--name', 'client', '--scopes', 'inference,metrics')
    const ollama = new Ollama({ host: url, headers: { authorization: `Bearer ${key}` } })
    let text = ''
    for await (const part of await ollama.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })) {
      text += part.message.content
    }
    expect(text).toBe('fake-tok0 fake-tok1 fake-tok2 ')
    const tags = await ollama.list()
    expect(tags.models.map((m) => m.name)).toContain('llama3.2:latest')
    // A worker reports each request to the primary once its answer is sent, over its own
    // channel: the scrape (handed to the primary by whichever worker took it) may come first.
    await eventually(async () => {
      const metrics = await fresh('/metrics', key)
      expect(metrics.status).toBe(200)
      expect(metrics.text).toMatch(
        /gateway_requests_total\{method="POST",endpoint="\/api\/chat",status="200"\} 1/,
      )
      expect(metrics.text).toMatch(
        /gateway_requests_total\{method="GET",endpoint="\/api\/tags",status="200"\} 1/,
      )
    })
    const missing = await fresh('/api/nothing', key)
    expect(missing.status).toBe(404)
    expect(JSON.parse(missing.text)).toEqual({ error: 'GET /api/nothing is not served' })
    const bad = await fresh('/api/generate', 'crl_not-a-key-at-all', { body: generate })
    expect(bad.status).toBe(401)
  })

  test("the model lists are the pool's, merged by whichever worker has the client and shown as each key's models allow", async () => {
    const { key: narrow } = await createKey('--name', 'lists', '--models', 'llama3.2')
    const { key: wide } = await createKey('--name', 'lists-all')
    const names = (text: string) =>
      (JSON.parse(text) as { models: Array<{ name: string }> }).models.map((m) => m.name)
    // A connection each: the cluster hands them to both workers.
    for (let i = 0; i < 4; i++) {
      const tags = await fresh('/api/tags', narrow)
      expect(tags.status).toBe(200)
      expect(names(tags.text)).toEqual(['llama3.2:latest'])
      const models = await fresh('/v1/models', narrow)
      expect(models.status).toBe(200)
      const data = (JSON.parse(models.text) as { data: Array<{ id: string }> }).data
      expect(data.map((m) => m.id)).toEqual(['llama3.2:latest'])
    }
    expect(names((await fresh('/api/tags', wide)).text)).toEqual([
      'llama3.2:latest',
      'qwen2.5:0.5b',
      'nomic-embed-text:latest',
    ])
  })

  test("a key's requests per minute hold across workers: exactly the limit goes through", async () => {
    const { key } = await createKey('--name', 'rpm', '--rpm', '4')
    const results = []
    for (let i = 0; i < 8; i++) results.push(await fresh('/api/generate', key, { body: generate }))
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 429, 429, 429, 429])
    expect(JSON.parse(results[4]!.text).error).toMatch(/rate limit exceeded: 4 requests per 60s/)
    expect(results[4]!.headers['retry-after']).toBeDefined()
  })

  test("a key's concurrency holds across workers: one stream running, the rest refused", async () => {
    const { key } = await createKey('--name', 'one-at-a-time', '--concurrency', '1')
    fake.options.frames = 400
    fake.options.frameIntervalMs = 10
    const agent = new Agent()
    try {
      const running = await request(`${url}/api/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'llama3.2', prompt: 'long' }),
        dispatcher: agent,
      })
      expect(running.statusCode).toBe(200)
      const others = await Promise.all(
        Array.from({ length: 6 }, () => fresh('/api/generate', key, { body: generate })),
      )
      expect(others.map((r) => r.status)).toEqual([429, 429, 429, 429, 429, 429])
      expect(JSON.parse(others[0]!.text).error).toBe('too many requests in flight for this key')
      running.body.destroy()
    } finally {
      fake.options.frames = 3
      fake.options.frameIntervalMs = 2
      await agent.close()
    }
    // Once the stream is gone, the key may go again (from either worker).
    await eventually(async () =>
      expect((await fresh('/api/generate', key, { body: generate })).status).toBe(200),
    )
  })

  test('every request is recorded once, whichever worker served it', async () => {
    const { id, key } = await createKey('--name', 'counted')
    for (let i = 0; i < 6; i++) await fresh('/api/generate', key, { body: generate })
    await eventually(async () => {
      const r = await cli('stats', '--json', '--by', 'key')
      const stats = JSON.parse(r.stdout) as {
        breakdown: Array<{ group: string; requests: number; completionTokens: number }>
      }
      const mine = stats.breakdown.find((b) => b.group === id)
      expect(mine).toMatchObject({ requests: 6, completionTokens: 18 })
    })
  })

  test('a client that leaves mid-stream cancels the backend request; a backend that breaks ends the stream with an error frame', async () => {
    const { key } = await createKey('--name', 'streams')
    fake.options.frames = 400
    fake.options.frameIntervalMs = 10
    try {
      fake.reset()
      const agent = new Agent()
      const leaving = await request(`${url}/api/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: 'llama3.2', prompt: 'leave' }),
        dispatcher: agent,
      })
      for await (const chunk of leaving.body) {
        if (String(chunk).includes('tok1')) break
      }
      await agent.close()
      await fake.waitFor((r) => r.path === '/api/generate' && r.aborted, 3000)

      fake.fault({ kind: 'break-mid-stream', afterFrames: 2 }, { times: 1 })
      const broken = await fresh('/api/generate', key, {
        body: { model: 'llama3.2', prompt: 'break' },
      })
      expect(broken.status).toBe(200)
      expect(JSON.parse(broken.text.trim().split('\n').at(-1)!)).toMatchObject({
        error: expect.stringMatching(/.+/),
      })
    } finally {
      fake.fault(null)
      fake.options.frames = 3
      fake.options.frameIntervalMs = 2
    }
  })

  test('a worker that dies is replaced; requests, keys and stats go on', async () => {
    const { key } = await createKey('--name', 'survivor')
    const [victim] = childrenOf(serve.child.pid!)
    process.kill(victim!, 'SIGKILL')
    await eventually(() => {
      const now = childrenOf(serve.child.pid!)
      expect(now).toHaveLength(2)
      expect(now).not.toContain(victim)
    }, 15_000)
    for (let i = 0; i < 6; i++)
      expect((await fresh('/api/generate', key, { body: generate })).status).toBe(200)
    expect(serve.stderr()).toMatch(/Gateway worker \d+ exited \(SIGKILL\); starting another/)
    const who = JSON.parse((await cli('who', '--json')).stdout) as { keys: unknown[] }
    expect(who.keys).toEqual([])
  })
})

describe('the fair queue across workers', () => {
  let qFake: FakeOllama
  let qServe: Awaited<ReturnType<typeof startServe>>
  let qDir: string

  beforeAll(async () => {
    qFake = await startFakeOllama({ frames: 15, frameIntervalMs: 10 })
    qDir = tempDataDir()
    writeConfig(qDir, (c) => {
      c.backends = [
        {
          id: 'one',
          name: 'one',
          url: qFake.url,
          key: null,
          weight: 1,
          enabled: true,
          capacity: 1,
          source: 'manual',
        },
      ]
    })
    qServe = await startServe([
      ...['--data-dir', qDir, '--host', '127.0.0.1', '--port', '0', '--control-port', '0'],
      ...['--no-mdns', '--workers', '2'],
    ])
  })
  afterAll(async () => {
    qServe.child.kill('SIGTERM')
    await new Promise((resolve) => qServe.child.once('exit', resolve))
    await qFake.close()
    fs.rmSync(qDir, { recursive: true, force: true })
  })

  test("one backend slot: a key's burst does not hold another key's request back behind it", async () => {
    const keyOf = async (name: string) =>
      (
        JSON.parse(
          (await runCli(['keys', 'create', '--name', name, '--json', '--data-dir', qDir])).stdout,
        ) as { key: string }
      ).key
    const busy = await keyOf('busy')
    const other = await keyOf('other')
    const gw = qServe.info.gateway[0]!
    const send = async (key: string, prompt: string) => {
      const agent = new Agent({ pipelining: 0 })
      try {
        const res = await request(`${gw}/api/generate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
          body: JSON.stringify({ model: 'llama3.2', prompt }),
          dispatcher: agent,
        })
        await res.body.text()
        return res.statusCode
      } finally {
        await agent.close()
      }
    }
    await eventually(async () => expect(await send(other, 'warm')).toBe(200), 10_000)
    qFake.reset()
    const burst = ['b1', 'b2', 'b3', 'b4'].map((p) => send(busy, p))
    // The burst is running and waiting (on either worker) before the other key asks.
    await qFake.waitFor((r) => r.path === '/api/generate', 3000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const lone = send(other, 'lone')
    expect(await Promise.all([...burst, lone])).toEqual([200, 200, 200, 200, 200])
    const order = qFake.requests
      .filter((r) => r.path === '/api/generate')
      .map((r) => (r.body as { prompt: string }).prompt)
    // Round robin across keys: the lone request goes second, not after the whole burst.
    expect(order[1]).toBe('lone')
    expect(order).toHaveLength(5)
  })
})
