// `corral keys create --device`, `keys update --remove-device` and `corral devices ...` as the
// owner types them: on the data dir with no server, and against `corral serve` (one process
// and --workers 2, where a worker hands the waiting device to the primary) with the Go-client
// signer asking on first use.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runCli, startServe } from '../support/cli.js'
import { eventually, tempDataDir } from '../support/gateway.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'
import { OllamaGoClient, writeOllamaKeyFiles } from '../support/ollama-cli.js'

const homes: string[] = []
function device() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-dev-cli-'))
  homes.push(home)
  return { home, key: writeOllamaKeyFiles(home) }
}
afterAll(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })))

describe('with no server running', () => {
  let dir: string
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dir])
  beforeAll(() => {
    dir = tempDataDir()
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('keys create --device binds the pasted .pub line; update --remove-device takes it off', async () => {
    const d = device()
    const created = await cli(
      'keys',
      'create',
      '--name',
      'bob',
      '--device',
      `${d.key.publicLine} bob@laptop`,
      '--json',
    )
    expect(created.code).toBe(0)
    const out = JSON.parse(created.stdout) as {
      id: string
      key: string
      devices: Array<{ fingerprint: string; name: string }>
    }
    expect(out.key).toMatch(/^crl_/)
    expect(out.devices[0]!.name).toBe('bob@laptop')
    const listed = JSON.parse((await cli('devices', 'list', '--json')).stdout) as {
      enrolled: Array<{ keyName: string; fingerprint: string }>
    }
    expect(listed.enrolled).toEqual([
      expect.objectContaining({ keyName: 'bob', fingerprint: out.devices[0]!.fingerprint }),
    ])
    const removed = await cli(
      'keys',
      'update',
      out.id,
      '--remove-device',
      out.devices[0]!.fingerprint,
    )
    expect(removed.code).toBe(0)
    expect(removed.stdout).toContain('removed from key')
    const after = JSON.parse((await cli('devices', 'list', '--json')).stdout) as {
      enrolled: unknown[]
    }
    expect(after.enrolled).toEqual([])
  })

  test.each([
    [
      ['keys', 'create', '--name', 'x', '--device', 'ssh-rsa AAAA'],
      2,
      /--device: expected an "ssh-ed25519/,
    ],
    [['devices', 'approve', 'dabc'], 3, /Corral is not running/],
    [['devices', 'forget', 'dnothing'], 1, /no waiting or refused device/],
  ])('%j fails with exit %i and a clear message', async (args, code, message) => {
    const r = await cli(...args)
    expect(r.code).toBe(code)
    expect(r.stderr).toMatch(message)
  })
})

describe.each([[[]], [['--workers', '2']]])('against corral serve %j', (workerFlags: string[]) => {
  let dir: string
  let fake: FakeOllama
  let serve: Awaited<ReturnType<typeof startServe>>
  const cli = (...args: string[]) => runCli([...args, '--data-dir', dir])

  beforeAll(async () => {
    dir = tempDataDir()
    fake = await startFakeOllama()
    serve = await startServe(
      [
        ...['--data-dir', dir, '--host', '127.0.0.1', '--port', '0', '--control-port', '0'],
        ...['--backend', fake.url, '--no-mdns', ...workerFlags],
      ],
      {},
      60_000,
    )
  }, 70_000)
  afterAll(async () => {
    serve.child.kill('SIGKILL')
    await fake.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('a device that asks is listed; devices approve --name makes it a key and it works', async () => {
    const d = device()
    const ollama = new OllamaGoClient({ host: serve.info.gateway[0]!, auth: true, home: d.home })
    await expect(ollama.list()).rejects.toHaveProperty('statusCode', 401)
    const waiting = await eventually(async () => {
      const v = JSON.parse((await cli('devices', 'list', '--json')).stdout) as {
        pending: Array<{ id: string; label: string }>
      }
      expect(v.pending).toHaveLength(1)
      return v.pending[0]!
    })
    expect(waiting.label).toMatch(/^ollama 0\.13\.1 \(amd64 linux\) on 127\.0\.0\.1$/)
    const text = await cli('devices', 'list')
    expect(text.stdout).toContain(waiting.id)
    const approved = await cli('devices', 'approve', waiting.id, '--name', 'bob-laptop', '--json')
    expect(approved.code).toBe(0)
    expect(JSON.parse(approved.stdout)).toMatchObject({ keyName: 'bob-laptop', created: true })
    await eventually(async () => {
      expect((await ollama.list())!.models.length).toBeGreaterThan(0)
    })
    await ollama.close()
  })

  test('devices deny refuses the next one; forget lets it ask again', async () => {
    const d = device()
    const ollama = new OllamaGoClient({ host: serve.info.gateway[0]!, auth: true, home: d.home })
    await expect(ollama.list()).rejects.toHaveProperty('statusCode', 401)
    const id = await eventually(async () => {
      const v = JSON.parse((await cli('devices', 'list', '--json')).stdout) as {
        pending: Array<{ id: string }>
      }
      expect(v.pending).toHaveLength(1)
      return v.pending[0]!.id
    })
    expect((await cli('devices', 'deny', id)).code).toBe(0)
    await eventually(async () => {
      await expect(ollama.list()).rejects.toHaveProperty('statusCode', 403)
    })
    expect((await cli('devices', 'forget', id)).code).toBe(0)
    await eventually(async () => {
      await expect(ollama.list()).rejects.toHaveProperty('statusCode', 401)
    })
    await ollama.close()
  })
})
