// `corral serve` killed with SIGKILL in the middle of traffic and of config
// changes, then started again: it starts, and every key, setting and stat
// that had been committed before the kill is still there.
import type { ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { setTimeout as delay } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { runCli, startServe } from '../support/cli.js'
import { tempDataDir, writeConfig } from '../support/gateway.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'

let fake: FakeOllama
let dir: string
const children: ChildProcess[] = []
/** Each run's stderr, to check no key was ever logged. */
const logs: Array<() => string> = []
const agent = new Agent({ connections: 32 })
/** Kill-and-restart cycles; CORRAL_CRASH_ROUNDS runs more. */
const ROUNDS = Number(process.env.CORRAL_CRASH_ROUNDS ?? 1)

beforeAll(async () => {
  fake = await startFakeOllama({ frames: 10, frameIntervalMs: 5 })
  dir = tempDataDir()
  writeConfig(dir, (c) => {
    c.backends = [
      {
        id: 'b0',
        name: 'b0',
        url: fake.url,
        key: null,
        weight: 1,
        enabled: true,
        capacity: 16,
        source: 'manual',
      },
    ]
    c.discovery.mdns = false
    c.balancer.healthIntervalMs = 600_000
    c.limits.enabled = false
  })
})
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  await agent.close()
  await fake.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

interface Summary {
  totals: { requests: number }
}

interface Serving {
  child: ChildProcess
  gateway: string
  control: <T = unknown>(
    method: string,
    p: string,
    body?: unknown,
  ) => Promise<{ status: number; body: T }>
}

async function serve(): Promise<Serving> {
  const { child, info, stderr } = await startServe([
    '--data-dir',
    dir,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--control-port',
    '0',
    '--no-mdns',
  ])
  children.push(child)
  logs.push(stderr)
  const token = decodeURIComponent(info.ui.split('#token=')[1]!)
  const control = async <T>(method: string, p: string, body?: unknown) => {
    const res = await request(info.control + p, {
      method: method as 'GET',
      dispatcher: agent,
      headers: {
        authorization: `Bearer ${token}`,
        // The control port takes state changes only as JSON, body or not (route-guard/cross-site.ts).
        ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await res.body.text()
    return { status: res.statusCode, body: (text ? JSON.parse(text) : null) as T }
  }
  return { child, gateway: info.gateway[0]!, control }
}

/** Streaming requests from `n` clients in a loop until `stop` is set; counts successes. */
function load(gateway: string, key: string, n: number) {
  const state = { stop: false, ok: 0 }
  const loops = Array.from({ length: n }, async (_, i) => {
    while (!state.stop) {
      try {
        const res = await request(`${gateway}/api/chat`, {
          method: 'POST',
          dispatcher: agent,
          headers: { authorization: `Bearer ${key}` },
          body: JSON.stringify({
            model: 'llama3.2',
            messages: [{ role: 'user', content: `load ${i}` }],
          }),
        })
        await res.body.text()
        if (res.statusCode === 200) state.ok += 1
      } catch {
        // The server was killed under us. Wait a little: a request that fails at once (a closed
        // agent after a failed test) must not spin without ever yielding to timers.
        await delay(10)
      }
    }
  })
  return { state, done: () => Promise.all(loops) }
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

test(
  `SIGKILL under load (${ROUNDS} round(s)) loses no committed key, setting or stat, and the next start works`,
  { timeout: 30_000 * ROUNDS },
  async () => {
    let s = await serve()
    const first = await runCli(['keys', 'create', '--name', 'alice', '--json', '--data-dir', dir])
    expect(first.code, first.stderr).toBe(0)
    const alice = (JSON.parse(first.stdout) as { key: string }).key
    const committedKeys = new Map<string, boolean>([['alice', false]])
    let committedRequests = 0
    let queueSetting = 0

    for (let round = 0; round < ROUNDS; round++) {
      const traffic = load(s.gateway, alice, 8)
      await expect.poll(() => traffic.state.ok, { timeout: 10_000 }).toBeGreaterThan(20)
      // Changes made while the traffic runs; each one is committed when it answers.
      for (let i = 0; i < 4; i++) {
        const name = `r${round}-k${i}`
        const res = await s.control('POST', '/control/keys', { name })
        expect(res.status).toBe(201)
        committedKeys.set(name, false)
      }
      const victim = `r${round}-k0`
      expect(
        (await s.control('DELETE', `/control/keys/${(await keyId(s, victim))!}`)).status,
      ).toBeLessThan(300)
      committedKeys.set(victim, true)
      queueSetting = 10 + round
      expect(
        (
          await s.control('PATCH', '/control/settings', {
            queue: { maxQueuedPerKey: queueSetting },
          })
        ).status,
      ).toBe(200)
      // Stats the server has committed (the summary flushes the queue to SQLite first).
      const summary = await s.control<Summary>('GET', '/control/stats/summary?since=1h')
      committedRequests = summary.body.totals.requests
      expect(committedRequests).toBeGreaterThan(20)

      // Kill it with more traffic and another change in flight: they may or may not survive.
      void s.control('POST', '/control/keys', { name: `r${round}-in-flight` }).catch(() => null)
      await new Promise((r) => setTimeout(r, 150))
      await kill(s.child)
      traffic.state.stop = true
      await traffic.done()

      s = await serve()
      const keys = (await s.control('GET', '/control/keys')).body as Array<{
        name: string
        revokedAt: string | null
      }>
      for (const [name, revoked] of committedKeys) {
        const k = keys.find((x) => x.name === name)
        expect(k, `key ${name} after round ${round}`).toBeDefined()
        expect(k!.revokedAt !== null).toBe(revoked)
      }
      const settings = await s.control<{ queue: { maxQueuedPerKey: number } }>(
        'GET',
        '/control/settings',
      )
      expect(settings.body.queue.maxQueuedPerKey).toBe(queueSetting)
      const after = await s.control<Summary>('GET', '/control/stats/summary?since=1h')
      expect(after.body.totals.requests).toBeGreaterThanOrEqual(committedRequests)
      // The data dir is clean and readable by a person or another tool.
      expect(() => JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))).not.toThrow()
      expect(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
      // And it serves the old key at once.
      const res = await request(`${s.gateway}/api/version`, {
        dispatcher: agent,
        headers: { authorization: `Bearer ${alice}` },
      })
      await res.body.dump()
      expect(res.statusCode).toBe(200)
    }
    // The CLI finds the restarted server, not the dead one's control.json.
    const status = await runCli(['status', '--json', '--data-dir', dir])
    expect(status.code, status.stderr).toBe(0)
    await kill(s.child)
    for (const log of logs) expect(log()).not.toContain(alice)
  },
)

async function keyId(s: Serving, name: string): Promise<string | undefined> {
  const keys = (await s.control('GET', '/control/keys')).body as Array<{ id: string; name: string }>
  return keys.find((k) => k.name === name)?.id
}
