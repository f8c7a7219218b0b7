// Issue 25, terminal escape injection: control characters from clients and from the network
// reached the owner's terminal raw: a model name with ESC sequences cleared the screen and
// forged lines in `corral stats --by model`; a hostile backend or mDNS advertiser did the same
// in `corral backends list`; C1 bytes (0x80-0x9F) passed into `corral who`. Through the real
// command: each shows up escaped (\x1b, \x9b, \u202e), and --json stays valid JSON.
import net from 'node:net'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { runCli } from '../support/cli.js'
import { eventually, startTestGateway, tempDataDir, type TestGateway } from '../support/gateway.js'
import { StatsStore } from '../../gateway/stats/store.js'
import { USER_AGENT_MAX_CHARS } from '../../gateway/untrusted/bounds.js'

/** What must never reach a terminal raw: C0 (but the newline), DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

// Lower case with its tag: the inventory keeps names as Ollama lists them.
const HOSTILE_MODEL = 'evil\u001b[2j\u001b[hforged line\u009b31m\u202etxt:latest'

let gw: TestGateway
beforeAll(async () => {
  gw = await startTestGateway({
    backends: [
      // b0 holds its answers long enough for `corral who` to see the request in flight.
      { firstByteDelayMs: 60_000 },
      { models: [{ name: HOSTILE_MODEL }, { name: 'llama3.2:latest' }] },
    ],
  })
})
afterAll(() => gw.close())

test('corral stats --by model shows a stored model name with escape sequences escaped', async () => {
  // A database written before names were bounded: the raw name is in it.
  const dataDir = tempDataDir()
  const file = path.join(dataDir, 'corral.db')
  const store = StatsStore.open(file)
  store.record({
    ts: Date.now() - 1000,
    keyId: 'k1',
    keyName: 'alice',
    clientIp: '192.168.1.20',
    backend: 'b0',
    model: 'placeholder',
    method: 'POST',
    path: '/api/chat',
    status: 200,
    durationMs: 10,
    ttfbMs: 5,
    promptTokens: 1,
    completionTokens: 1,
    tokensPerSecond: null,
    queued: false,
    queueMs: 0,
    outcome: 'done',
  })
  store.close()
  const db = new Database(file)
  db.prepare('UPDATE requests SET model = ?').run(HOSTILE_MODEL)
  db.prepare('UPDATE rollup_minute SET model = ?').run(HOSTILE_MODEL)
  db.close()

  const r = await runCli(['stats', '--by', 'model', '--data-dir', dataDir])
  expect(r.code).toBe(0)
  expect(r.stdout).not.toMatch(RAW_UNSAFE)
  expect(r.stdout).toContain('evil\\x1b[2j\\x1b[hforged line\\x9b31m\\u202etxt:latest')
  // One table row for the one model: no forged line.
  expect(r.stdout.split('\n').filter((l) => l.includes('forged line'))).toHaveLength(1)

  const j = await runCli(['stats', '--by', 'model', '--json', '--data-dir', dataDir])
  expect(j.stdout).not.toMatch(RAW_UNSAFE)
  const parsed = JSON.parse(j.stdout) as { breakdown: Array<{ label: string }> }
  expect(parsed.breakdown[0]!.label).toBe(HOSTILE_MODEL)
})

test('corral backends list shows a hostile backend model name escaped', async () => {
  await eventually(async () => {
    const { body } = await gw.control<{ backends: Array<{ models?: string[] }> }>(
      'GET',
      '/control/backends',
    )
    expect(body.backends.some((b) => b.models?.includes(HOSTILE_MODEL))).toBe(true)
  }, 10_000)
  const r = await runCli(['backends', 'list', '--data-dir', gw.dataDir])
  expect(r.code).toBe(0)
  expect(r.stdout).not.toMatch(RAW_UNSAFE)
  expect(r.stdout).toContain('evil\\x1b[2j\\x1b[hforged line\\x9b31m\\u202etxt:latest')
  const j = await runCli(['backends', 'list', '--json', '--data-dir', gw.dataDir])
  expect(j.stdout).not.toMatch(RAW_UNSAFE)
  expect(JSON.stringify(JSON.parse(j.stdout))).toContain(JSON.stringify(HOSTILE_MODEL).slice(1, -1))
})

test('corral who shows C1 bytes and bidi controls of a user agent escaped, and the agent bounded', async () => {
  // A raw request: the User-Agent's bytes 0x9B and 0x85 are C1 controls once read (latin1).
  const port = Number(new URL(gw.url).port)
  // qwen2.5 is on b0 only (the slow one).
  const body = JSON.stringify({ model: 'qwen2.5:0.5b', messages: [], stream: false })
  const ua = Buffer.concat([
    Buffer.from('agent'),
    Buffer.from([0x9b, 0x33, 0x31, 0x6d, 0x85]),
    Buffer.from('x'.repeat(1000)),
  ])
  const socket = net.connect({ host: '127.0.0.1', port })
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write(
    Buffer.concat([
      Buffer.from(
        `POST /api/chat HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${gw.key}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nUser-Agent: `,
      ),
      ua,
      Buffer.from(`\r\n\r\n${body}`),
    ]),
  )
  try {
    const who = await eventually(async () => {
      const r = await runCli(['who', '--data-dir', gw.dataDir])
      expect(r.stdout).toContain('agent')
      return r
    }, 8000)
    expect(who.stdout).not.toMatch(RAW_UNSAFE)
    expect(who.stdout).toContain('agent\\x9b31m\\x85')
    const j = await runCli(['who', '--json', '--data-dir', gw.dataDir])
    expect(j.stdout).not.toMatch(RAW_UNSAFE)
    const now = JSON.parse(j.stdout) as {
      keys: Array<{ devices: Array<{ userAgent: string | null }> }>
    }
    const agent = now.keys.flatMap((k) => k.devices).find((d) => d.userAgent?.startsWith('agent'))
    expect(agent!.userAgent!.startsWith('agent\u009b31m\u0085')).toBe(true)
    expect(agent!.userAgent!.length).toBeLessThanOrEqual(USER_AGENT_MAX_CHARS)
  } finally {
    socket.destroy()
  }
})
