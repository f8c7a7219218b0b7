// `corral keys create --guest` and the model-option flags, as a person types them, on a data
// dir with no server running (the same flags go to the control API when one runs).
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runCli } from '../support/cli.js'
import { tempDataDir } from '../support/gateway.js'

let dir: string
const cli = (...args: string[]) => runCli([...args, '--data-dir', dir])
const configText = () => fs.readFileSync(path.join(dir, 'config.json'), 'utf8')
const stored = (id: string) =>
  (JSON.parse(configText()) as { keys: Array<Record<string, unknown>> }).keys.find(
    (k) => k.id === id,
  )!

beforeAll(() => {
  dir = tempDataDir()
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('keys create --guest', () => {
  test('makes an inference-only key that expires in 2 h, limited to the models given', async () => {
    const before = Date.now()
    const r = await cli(
      'keys',
      'create',
      '--guest',
      '--expires',
      '2h',
      '--models',
      'llama3.2',
      '--json',
    )
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { id: string; name: string; key: string }
    expect(out.name).toMatch(/^Guest \d{4}-\d\d-\d\d \d\d:\d\d$/)
    const k = stored(out.id)
    expect(k).toMatchObject({
      guest: true,
      scopes: ['inference'],
      models: ['llama3.2'],
      subnet: null,
    })
    const lives = Date.parse(String(k.expiresAt)) - before
    expect(lives).toBeGreaterThan(2 * 3600_000 - 5000)
    expect(lives).toBeLessThanOrEqual(2 * 3600_000 + 5000)
  })

  test('says, without --json, until when and from where it works', async () => {
    const r = await cli('keys', 'create', '--guest', '--name', 'Sam', '--subnet', '192.168.7.0/24')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Guest key "Sam" created/)
    expect(r.stdout).toMatch(/only from 192\.168\.7\.0\/24/)
    expect(r.stdout).toMatch(/Scan to connect/)
  })

  test.each<[string, string[], RegExp]>([
    ['a negative duration', ['--expires=-2h'], /negative/],
    ['a bad subnet', ['--subnet', '192.168.1.0/40'], /--subnet: .*bad prefix length/],
    ['more than the inference scope', ['--scopes', 'inference,models'], /inference scope only/],
  ])('with %s exits with an error and saves nothing', async (_name, args, message) => {
    const before = configText()
    const r = await cli('keys', 'create', '--guest', ...args)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toMatch(message)
    expect(configText()).toBe(before)
  })
})

describe('--option and --keep-alive-max', () => {
  let id = ''

  test('keys create takes them, read as JSON where they can be', async () => {
    const r = await cli(
      'keys',
      'create',
      '--name',
      'tuned',
      '--option',
      'num_ctx=8192',
      '--option',
      'temperature=0.2',
      '--option',
      'stop=END',
      '--keep-alive-max',
      '30m',
      '--json',
    )
    expect(r.code, r.stderr).toBe(0)
    id = (JSON.parse(r.stdout) as { id: string }).id
    expect(stored(id)).toMatchObject({
      options: { num_ctx: 8192, temperature: 0.2, stop: ['END'] },
      keepAliveMaxSeconds: 1800,
    })
  })

  test('keys update merges; NAME= removes one; --keep-alive-max none removes the cap', async () => {
    const r = await cli(
      'keys',
      'update',
      id,
      '--option',
      'num_ctx=4096',
      '--option',
      'stop=',
      '--keep-alive-max',
      'none',
    )
    expect(r.code, r.stderr).toBe(0)
    expect(stored(id)).toMatchObject({
      options: { num_ctx: 4096, temperature: 0.2 },
      keepAliveMaxSeconds: null,
    })
    expect(stored(id).options).not.toHaveProperty('stop')
  })

  test.each<[string, string[], RegExp]>([
    ['an option Ollama does not know', ['--option', 'num_ctxx=1'], /no option "num_ctxx"/],
    ['a wrong type', ['--option', 'num_ctx=big'], /"num_ctx" must be a whole number/],
    ['no NAME=', ['--option', 'num_ctx'], /NAME=VALUE/],
    ['a negative keep-alive cap', ['--keep-alive-max=-1m'], /negative/],
  ])('%s exits 2 and changes nothing', async (_name, args, message) => {
    const before = configText()
    const r = await cli('keys', 'update', id, ...args)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(configText()).toBe(before)
  })

  test('an unknown key id is a clear error that changes nothing', async () => {
    const before = configText()
    const r = await cli('keys', 'update', 'no-such-key', '--option', 'num_ctx=1')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/no key with id or name "no-such-key"/)
    expect(configText()).toBe(before)
  })

  test('--clear-options removes them all', async () => {
    expect((await cli('keys', 'update', id, '--clear-options')).code).toBe(0)
    expect(stored(id).options).toEqual({})
  })
})

describe('keys list', () => {
  test('leaves out guest keys that expired, unless --all', async () => {
    const r = await cli('keys', 'create', '--guest', '--name', 'gone', '--expires', '1h', '--json')
    const gone = (JSON.parse(r.stdout) as { id: string }).id
    // Expire it by hand, as time would.
    const c = JSON.parse(configText()) as { keys: Array<Record<string, unknown>> }
    c.keys.find((k) => k.id === gone)!.expiresAt = new Date(Date.now() - 1000).toISOString()
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c))

    const shown = JSON.parse((await cli('keys', 'list', '--json')).stdout) as Array<{ id: string }>
    expect(shown.map((k) => k.id)).not.toContain(gone)
    const all = JSON.parse((await cli('keys', 'list', '--all', '--json')).stdout) as Array<{
      id: string
    }>
    expect(all.map((k) => k.id)).toContain(gone)
    const text = (await cli('keys', 'list')).stdout
    expect(text).toMatch(/1 expired or revoked guest key\(s\) not shown/)
    expect(text).toMatch(/guest until/)
  })
})
