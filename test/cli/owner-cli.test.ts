// The owner's commands as a person types them: pause and resume edit the data dir when no
// server runs; `who` and `kick` need the running server and say so; against a running
// `corral serve` (one process, or --workers 2), `who --json` lists a stream in flight and
// `keys kick` ends it.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { runCli, startServe } from '../support/cli.js'
import { eventually, tempDataDir } from '../support/gateway.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'

const configOf = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    owner: {
      paused: Array<{ keyId: string; until: string | null; queue: boolean }>
      ownKeys: string[]
      everyone: unknown
    }
  }

describe('with no server running', () => {
  let dir: string
  let id: string
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dir])

  beforeAll(async () => {
    dir = tempDataDir()
    const created = await cli('keys', 'create', '--name', 'alice', '--json')
    id = (JSON.parse(created.stdout) as { id: string }).id
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('keys pause --for 30m --queue writes the pause with its end time; resume takes it out', async () => {
    const before = Date.now()
    const r = await cli('keys', 'pause', 'alice', '--for', '30m', '--queue', '--json')
    expect(r.code).toBe(0)
    const printed = JSON.parse(r.stdout) as { keyId: string; until: string; queue: boolean }
    expect(printed).toMatchObject({ keyId: id, queue: true })
    const ends = Date.parse(printed.until) - before
    expect(ends).toBeGreaterThanOrEqual(30 * 60_000 - 1000)
    expect(ends).toBeLessThan(30 * 60_000 + 10_000)
    expect(configOf(dir).owner.paused).toEqual([
      expect.objectContaining({ keyId: id, queue: true }),
    ])

    const resumed = await cli('keys', 'resume', id)
    expect(resumed.code).toBe(0)
    expect(resumed.stdout).toContain('Key "alice" resumed.')
    expect(configOf(dir).owner.paused).toEqual([])
  })

  test.each([
    [['keys', 'pause', 'alice', '--for=-5m'], 2, /positive time/],
    [['keys', 'pause', 'alice', '--for', 'soon'], 2, /duration/],
    [['pause-all', '--for', '0s'], 2, /positive time/],
    [['keys', 'pause', 'nobody'], 1, /no key with id or name "nobody"/],
    [['keys', 'pause'], 2, /usage: corral keys pause ID/],
  ])('%j fails with exit %i, a clear message, and changes nothing', async (args, code, message) => {
    const before = fs.readFileSync(path.join(dir, 'config.json'), 'utf8')
    const r = await cli(...args)
    expect(r.code).toBe(code)
    expect(r.stderr).toMatch(message)
    expect(r.stdout).toBe('')
    expect(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe(before)
  })

  test.each([['who'], ['keys', 'kick', 'alice']])(
    '%j says it needs the running server',
    async (...args) => {
      const r = await cli(...args)
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/Corral is not running for .*needs the running server/)
    },
  )

  test('pause-all, keys mine and resume-all edit the data dir', async () => {
    expect((await cli('keys', 'mine', 'alice')).code).toBe(0)
    expect(configOf(dir).owner.ownKeys).toEqual([id])
    expect((await cli('pause-all', '--for', '1h')).code).toBe(0)
    expect(configOf(dir).owner.everyone).toMatchObject({ until: expect.any(String) })
    const r = await cli('resume-all')
    expect(r.stdout).toContain('Everyone is resumed.')
    expect(configOf(dir).owner.everyone).toBeNull()
  })
})

// One gateway process, and a cluster (the requests run in workers, kicks and who in the primary).
describe.each([
  ['against corral serve --workers 1', ['--workers', '1']],
  ['against corral serve --workers 2', ['--workers', '2']],
])('%s', (_name, workerFlags: string[]) => {
  let fake: FakeOllama
  let serve: Awaited<ReturnType<typeof startServe>>
  let dir: string
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dir])

  beforeAll(async () => {
    fake = await startFakeOllama({ frames: 2000, frameIntervalMs: 20 })
    dir = tempDataDir()
    serve = await startServe([
      ...['--data-dir', dir, '--host', '127.0.0.1', '--port', '0', '--control-port', '0'],
      ...['--backend', fake.url, '--no-mdns', ...workerFlags],
    ])
  })
  afterAll(async () => {
    serve.child.kill('SIGKILL')
    await fake.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('who --json lists a running stream; keys kick ends it with an error frame', async () => {
    const created = await cli('keys', 'create', '--name', 'alice', '--json')
    const { key } = JSON.parse(created.stdout) as { key: string }
    const res = await request(`${serve.info.gateway[0]}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'user-agent': 'ollama-js/0.6' },
      body: JSON.stringify({ model: 'llama3.2', prompt: 'hi' }),
    })
    expect(res.statusCode).toBe(200)
    const text = res.body.text()

    const who = await eventually(async () => {
      const r = await cli('who', '--json')
      const now = JSON.parse(r.stdout) as { keys: Array<Record<string, unknown>> }
      expect(now.keys[0]?.tokensPerSecond).toBeGreaterThan(0)
      return now
    })
    expect(who.keys).toEqual([
      expect.objectContaining({
        keyName: 'alice',
        models: ['llama3.2'],
        running: 1,
        queued: 0,
        devices: [{ ip: '127.0.0.1', userAgent: 'ollama-js/0.6' }],
      }),
    ])
    // A pause that lets the running stream finish and queues the next: PAUSED says until when.
    expect((await cli('keys', 'pause', 'alice', '--for', '2h', '--queue')).code).toBe(0)
    const table = await cli('who')
    const [header, row, blank, legend] = table.stdout.split('\n')
    expect(header).toMatch(/^KEY +DEVICE +MODEL +RUNNING +QUEUED +FOR +TOK\/S +PAUSED$/)
    // Aligned: every value starts under its header.
    const cols = ['KEY', 'DEVICE', 'MODEL', 'RUNNING', 'QUEUED', 'FOR', 'TOK/S', 'PAUSED']
    const starts = cols.map((c) => header!.indexOf(c))
    const cells = starts.map((at, i) => row!.slice(at, starts[i + 1]).trim())
    expect(starts.every((at) => at === 0 || row![at - 1] === ' ')).toBe(true)
    expect(cells.slice(0, 5)).toEqual(['alice', '127.0.0.1 (ollama-js/0.6)', 'llama3.2', '1', '0'])
    expect(cells[5]).toMatch(/^\d+s$/)
    expect(cells[6]).toMatch(/^\d+\.\d$/)
    expect(cells[7]).toMatch(pausedUntil(Date.now() + 2 * 3_600_000))
    expect(blank).toBe('')
    expect(legend).toMatch(
      /^RUNNING: requests the GPU is answering now; QUEUED: waiting their turn/,
    )
    expect((await cli('keys', 'resume', 'alice')).code).toBe(0)

    const kicked = await cli('keys', 'kick', 'alice')
    expect(kicked.code).toBe(0)
    expect(kicked.stdout).toContain('1 running and 0 waiting requests cancelled')
    expect((await text).trim().split('\n').pop()).toBe('{"error":"cancelled by the owner"}')
    await fake.waitFor((r) => r.path === '/api/generate' && r.aborted, 1000)
    // In a cluster the worker tells the primary the request ended over its own channel.
    await eventually(async () =>
      expect(JSON.parse((await cli('who', '--json')).stdout)).toMatchObject({ keys: [] }),
    )
  })

  test('keys pause through the server refuses the next request at once', async () => {
    const created = await cli('keys', 'create', '--name', 'bob', '--json')
    const { key } = JSON.parse(created.stdout) as { key: string }
    expect((await cli('keys', 'pause', 'bob')).code).toBe(0)
    const res = await request(`${serve.info.gateway[0]}/api/tags`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(res.statusCode).toBe(503)
    expect(await res.body.json()).toEqual({
      error: expect.stringMatching(/^paused by the owner until /),
    })
    expect((await cli('keys', 'resume', 'bob')).code).toBe(0)
  })
})

/**
 * The PAUSED cell of a pause that ends at `endMs`, give or take the test's own seconds: its
 * time, and its date first when that is not today (a 2 h pause taken after 22:00).
 */
function pausedUntil(endMs: number): RegExp {
  const pad = (n: number) => String(n).padStart(2, '0')
  const day = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
  const today = new Date().toDateString()
  const dates = [endMs - 60_000, endMs + 60_000].map((ms) => new Date(ms))
  const shown = dates.map((d) => (d.toDateString() === today ? '' : day(d)))
  const date = shown[0] === shown[1] ? shown[0] : `(?:${shown[0]}|${shown[1]})`
  return new RegExp(`^until ${date}\\d\\d:\\d\\d, waiting$`)
}
