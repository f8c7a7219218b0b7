// The `corral` command as a person uses it: offline edits of the data dir,
// and the same commands against a running `corral serve`.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { runCli, startServe } from '../support/cli.js'
import { tempDataDir, writeConfig } from '../support/gateway.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'

let dir: string
const cli = (...args: string[]) => runCli([...args, '--data-dir', dir])

beforeAll(() => {
  dir = tempDataDir()
})
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('with no server running, commands edit the data dir', () => {
  test('keys create --json prints only the key record on stdout, and the key is stored hashed', async () => {
    const r = await cli(
      'keys',
      'create',
      '--name',
      'alice',
      '--rpm',
      '30',
      '--models',
      'llama3.2,qwen2.5:*',
      '--json',
    )
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout) as { id: string; name: string; key: string }
    expect(Object.keys(out)).toEqual(['id', 'name', 'key'])
    expect(out.key).toMatch(/^crl_[A-Za-z0-9_-]{43}$/)
    const config = fs.readFileSync(path.join(dir, 'config.json'), 'utf8')
    expect(config).not.toContain(out.key)
    const stored = (JSON.parse(config) as { keys: Array<Record<string, unknown>> }).keys[0]!
    expect(stored).toMatchObject({
      name: 'alice',
      models: ['llama3.2', 'qwen2.5:*'],
      limits: { requests: 30, windowSeconds: 60 },
    })
  })

  test('keys create without --json shows the key once and a QR code for the connect page', async () => {
    const r = await cli('keys', 'create', '--name', 'phone')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/crl_[A-Za-z0-9_-]{43}/)
    expect(r.stdout).toMatch(/Scan to connect/)
    expect(r.stdout).toMatch(/[▀▄█]/)
  })

  test('keys list and revoke', async () => {
    const list = JSON.parse((await cli('keys', 'list', '--json')).stdout) as Array<{
      id: string
      name: string
      revokedAt: string | null
    }>
    expect(list.map((k) => k.name)).toEqual(['alice', 'phone'])
    expect(JSON.stringify(list)).not.toMatch(/"hash"/)
    const r = await cli('keys', 'revoke', 'phone')
    expect(r.stdout).toMatch(/revoked/)
    const after = JSON.parse((await cli('keys', 'list', '--json')).stdout) as typeof list
    expect(after.find((k) => k.name === 'phone')!.revokedAt).not.toBeNull()
  })

  test('backends add, list and remove', async () => {
    const add = await cli('backends', 'add', '10.9.8.7', '--name', 'gpu-box', '--json')
    expect(JSON.parse(add.stdout)).toMatchObject({ name: 'gpu-box', url: 'http://10.9.8.7:11434' })
    const dup = await cli('backends', 'add', 'http://10.9.8.7:11434')
    expect(dup.code).toBe(1)
    expect(dup.stderr).toMatch(/already a backend/)
    const list = JSON.parse((await cli('backends', 'list', '--json')).stdout) as {
      backends: Array<{ name: string }>
    }
    expect(list.backends.map((b) => b.name)).toContain('gpu-box')
    expect((await cli('backends', 'remove', 'gpu-box')).code).toBe(0)
  })

  test('access allow, deny and remove; a bad CIDR is refused with a reason', async () => {
    expect((await cli('access', 'deny', '10.0.0.66')).code).toBe(0)
    const lists = JSON.parse((await cli('access', 'list', '--json')).stdout) as { deny: string[] }
    expect(lists.deny).toEqual(['10.0.0.66'])
    const bad = await cli('access', 'allow', '10.0.0.0/33')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/10\.0\.0\.0\/33/)
    expect((await cli('access', 'remove', '10.0.0.66')).code).toBe(0)
  })

  test('status says it is not running, with exit code 3', async () => {
    const r = await cli('status')
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(/not running/)
  })

  test('unknown commands and flags print usage with exit code 2', async () => {
    expect((await cli('frobnicate')).code).toBe(2)
    expect((await runCli(['keys', 'create', '--bogus'])).code).toBe(2)
  })
})

describe('corral pull with no server running', () => {
  test('--all pulls on every configured backend, each with its progress, --json the jobs', async () => {
    const fakes = [await startFakeOllama({ name: 'gpu1' }), await startFakeOllama({ name: 'gpu2' })]
    const pullDir = tempDataDir()
    try {
      writeConfig(pullDir, (c) => {
        c.backends = fakes.map((f, i) => ({
          id: `g${i + 1}`,
          name: `gpu${i + 1}`,
          url: f.url,
          key: null,
          weight: 1,
          enabled: true,
          capacity: 4,
          source: 'manual' as const,
        }))
      })
      const r = await runCli(['pull', 'mistral:7b', '--all', '--json', '--data-dir', pullDir])
      expect(r.code, r.stderr).toBe(0)
      const jobs = JSON.parse(r.stdout) as Array<{ backend: string; status: string; done: boolean }>
      expect(jobs.map((j) => [j.backend, j.status, j.done]).sort()).toEqual([
        ['gpu1', 'success', true],
        ['gpu2', 'success', true],
      ])
      for (const f of fakes)
        expect(f.requests.filter((q) => q.path === '/api/pull')).toHaveLength(1)
      // Progress went to stderr, one line per status change (not a terminal here).
      expect(r.stderr).toMatch(/pull mistral:7b on gpu1: /)

      const one = await runCli(['pull', 'phi3', '--backend', 'gpu2', '--data-dir', pullDir])
      expect(one.code, one.stderr).toBe(0)
      expect(one.stdout).toBe('phi3 is on gpu2.\n')
      const nope = await runCli(['pull', 'phi3', '--backend', 'nope', '--data-dir', pullDir])
      expect(nope.code).toBe(1)
      expect(nope.stderr).toMatch(/no backend "nope"/)
      expect((await runCli(['pull', '--data-dir', pullDir])).code).toBe(2)
    } finally {
      await Promise.all(fakes.map((f) => f.close()))
      fs.rmSync(pullDir, { recursive: true, force: true })
    }
  })
})

describe('against a running corral serve', () => {
  let fake: FakeOllama
  let serve: Awaited<ReturnType<typeof startServe>>
  let serveDir: string

  beforeAll(async () => {
    fake = await startFakeOllama()
    serveDir = tempDataDir()
    serve = await startServe([
      '--data-dir',
      serveDir,
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--control-port',
      '0',
      '--backend',
      fake.url,
      '--no-mdns',
    ])
  })
  afterAll(async () => {
    serve.child.kill('SIGKILL')
    await fake.close()
    fs.rmSync(serveDir, { recursive: true, force: true })
  })

  test('serve printed the gateway and the UI URL, with the token only in the fragment', () => {
    expect(serve.info.gateway[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(serve.info.ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]+$/)
  })

  test('a key created by the CLI works on the very next request', async () => {
    const r = await runCli(['keys', 'create', '--name', 'bob', '--json', '--data-dir', serveDir])
    const { key } = JSON.parse(r.stdout) as { key: string }
    const res = await request(`${serve.info.gateway[0]}/api/tags`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
  })

  test('status reports the running server and its backend', async () => {
    const r = await runCli(['status', '--json', '--data-dir', serveDir])
    const s = JSON.parse(r.stdout) as {
      running: boolean
      sharing: boolean
      backends: Array<{ url: string }>
    }
    expect(s.running).toBe(true)
    expect(s.sharing).toBe(true)
    expect(s.backends[0]!.url).toBe(fake.url)
  })

  test('backends list shows each backend’s load and capacity; --json has them as fields', async () => {
    const table = await runCli(['backends', 'list', '--data-dir', serveDir])
    expect(table.stdout).toMatch(/LOAD\s+CAPACITY/)
    expect(table.stdout).toMatch(/flag-1 .* 0 running\s+4\s/)
    const json = JSON.parse(
      (await runCli(['backends', 'list', '--json', '--data-dir', serveDir])).stdout,
    ) as { backends: Array<Record<string, unknown>> }
    expect(json.backends[0]).toMatchObject({
      id: 'flag-1',
      capacity: 4,
      effectiveCapacity: 4,
      inFlight: 0,
      queued: 0,
      full: false,
      readOnly: true,
    })
  })

  test('a backend from --backend cannot be removed, and the CLI says why', async () => {
    const r = await runCli(['backends', 'remove', 'flag-1', '--data-dir', serveDir])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/set for this run by `corral serve --backend`/)
  })

  test('corral pull goes through the server: its pulls are the ones the UI shows', async () => {
    const r = await runCli(['pull', 'qwen2.5:0.5b', '--all', '--json', '--data-dir', serveDir])
    expect(r.code, r.stderr).toBe(0)
    const [job] = JSON.parse(r.stdout) as Array<{ id: string; backendId: string; status: string }>
    expect(job).toMatchObject({ backendId: 'flag-1', status: 'success' })
    const info = JSON.parse(fs.readFileSync(path.join(serveDir, 'control.json'), 'utf8')) as {
      url: string
      token: string
    }
    const pulls = await request(`${info.url}/control/pulls`, {
      headers: { authorization: `Bearer ${info.token}` },
    })
    expect(((await pulls.body.json()) as Array<{ id: string }>).map((p) => p.id)).toContain(job!.id)
  })

  test('SIGTERM stops it cleanly and removes control.json', async () => {
    const controlFile = path.join(serveDir, 'control.json')
    expect(fs.existsSync(controlFile)).toBe(true)
    const exited = new Promise<number | null>((r) => serve.child.once('exit', (code) => r(code)))
    serve.child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(fs.existsSync(controlFile)).toBe(false)
  })
})
