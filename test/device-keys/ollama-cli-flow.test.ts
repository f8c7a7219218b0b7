// The stock `ollama` CLI against Corral, through a client that signs and reads answers as the
// Go client does (test/support/ollama-cli.ts): the unsigned CLI is told what to type, an
// unknown device waits for the owner, an allowed one runs every command end to end.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import {
  AuthorizationError,
  cliOutput,
  OllamaGoClient,
  StatusError,
  writeOllamaKeyFiles,
} from '../support/ollama-cli.js'

let gw: TestGateway
let home: string

beforeAll(async () => {
  gw = await startTestGateway()
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-home-'))
  writeOllamaKeyFiles(home)
})
afterAll(async () => {
  await gw.close()
  fs.rmSync(home, { recursive: true, force: true })
})

interface DevicesView {
  pending: Array<{
    id: string
    fingerprint: string
    label: string
    client: string
    address: string
  }>
  denied: Array<{ id: string; fingerprint: string }>
  enrolled: Array<{ id: string; keyId: string; fingerprint: string; name: string }>
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (err) {
    return err
  }
  throw new Error('expected a refusal')
}

describe('the ollama CLI through Corral', () => {
  it('answers HEAD / like Ollama to a CLI without a key, so the CLI goes on to its real request', async () => {
    const cli = new OllamaGoClient({ host: gw.url, auth: false })
    await expect(cli.heartbeat()).resolves.toBeNull()
    const err = await caught(cli.list())
    expect(err).toBeInstanceOf(AuthorizationError)
    const text = cliOutput('other', err)
    expect(text).toContain(`export OLLAMA_HOST=${gw.url}`)
    expect(text).toContain('export OLLAMA_AUTH=1')
    expect(text).toContain('ssh-keygen -t ed25519 -f ~/.ollama/id_ed25519')
    // `ollama run` prints its sign-in lines and the URL: a Corral page that says the same.
    const run = cliOutput('run', await caught(cli.show('llama3.2')))
    expect(run).toContain(`${gw.url}/connect/device`)
    const page = await fetch(`${gw.url}/connect/device`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain(`export OLLAMA_HOST=${gw.url}`)
    expect(html).toContain('$env:OLLAMA_AUTH=&#34;1&#34;')
    expect(html).toContain('set OLLAMA_AUTH=1')
    expect(html).toContain('does not cover the request body')
    await cli.close()
  })

  it('holds an unknown device for the owner, with a sign-in URL that says it is waiting', async () => {
    const cli = new OllamaGoClient({ host: gw.url, auth: true, home })
    await expect(cli.heartbeat()).resolves.toBeNull()
    const err = await caught(cli.show('llama3.2'))
    expect(err).toBeInstanceOf(AuthorizationError)
    const signin = (err as AuthorizationError).signinUrl
    expect(signin).toMatch(new RegExp(`^${gw.url}/connect/device\\?id=d[A-Za-z0-9_-]{10}$`))
    expect((await caught(cli.list())) as Error).toHaveProperty(
      'message',
      expect.stringContaining('is waiting for the owner'),
    )
    const { body } = await gw.control<DevicesView>('GET', '/control/devices')
    expect(body.pending).toHaveLength(1)
    expect(body.pending[0]!.client).toBe('ollama 0.13.1 (amd64 linux)')
    expect(body.pending[0]!.label).toBe('ollama 0.13.1 (amd64 linux) on 127.0.0.1')
    const html = await (await fetch(signin)).text()
    expect(html).toContain('waiting for the owner')
    // Nothing reached the backend but nothing at all: HEAD / was answered by Corral.
    expect(gw.fakes[0]!.requests.filter((r) => r.path === '/api/show')).toHaveLength(0)
    await cli.close()
  })

  it('runs ollama run, list, ps, show and stop once the owner allows the device as a key', async () => {
    const { body } = await gw.control<DevicesView>('GET', '/control/devices')
    const id = body.pending[0]!.id
    const approved = await gw.control<{ keyId: string; keyName: string }>(
      'POST',
      `/control/devices/${id}/approve`,
      { as: gw.keyId },
    )
    expect(approved.status).toBe(200)
    expect(approved.body.keyId).toBe(gw.keyId)
    const cli = new OllamaGoClient({ host: gw.url, auth: true, home })
    // ollama run llama3.2 "hi": heartbeat, show, show (loadOrUnloadModel), generate (load), chat.
    await cli.heartbeat()
    expect(await cli.show('llama3.2')).toHaveProperty('details')
    expect(await cli.show('llama3.2')).toHaveProperty('details')
    await cli.generate({ model: 'llama3.2' })
    const words: string[] = []
    await cli.chat({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }, (l) =>
      words.push((l as { message: { content: string } }).message.content),
    )
    expect(words.join('')).not.toBe('')
    expect((await cli.list())!.models.map((m) => m.name)).toContain('llama3.2:latest')
    expect(await cli.ps()).toHaveProperty('models')
    // ollama stop: show, then generate with keep_alive 0.
    await cli.show('llama3.2')
    await cli.generate({ model: 'llama3.2', keep_alive: 0 })
    // The backend never saw the signature's ts nor the Authorization header.
    const seen = gw.fakes[0]!.requests.filter((r) => r.path.startsWith('/api/'))
    expect(seen.length).toBeGreaterThan(5)
    for (const r of seen) {
      expect(r.url).not.toContain('ts=')
      expect(r.headers.authorization).toBeUndefined()
    }
    // The requests count as the key's, by name.
    const recent = await gw.control<Array<{ keyName: string | null; path: string }>>(
      'GET',
      '/control/stats/recent?limit=50',
    )
    expect(recent.body.some((r) => r.keyName === 'alice' && r.path === '/api/chat')).toBe(true)
    await cli.close()
  })

  it('needs the models scope for pull, push, cp, rm and create, as a key does', async () => {
    const cli = new OllamaGoClient({ host: gw.url, auth: true, home })
    const err = await caught(cli.pull('qwen2.5:0.5b'))
    expect(err).toBeInstanceOf(StatusError)
    expect((err as StatusError).statusCode).toBe(403)
    await gw.running.corral.update((c) => {
      c.keys.find((k) => k.id === gw.keyId)!.scopes = ['inference', 'models']
    })
    const statuses: string[] = []
    await cli.pull('qwen2.5:0.5b', (l) => statuses.push(String((l as { status: string }).status)))
    expect(statuses).toContain('success')
    await cli.copy('llama3.2', 'llama3.2-copy')
    // ollama rm a b: two DELETEs in the same second (the same signature) on one connection.
    await cli.delete('llama3.2-copy')
    await expect(cli.delete('llama3.2-copy')).rejects.toHaveProperty('statusCode', 404)
    await cli.create({ model: 'mine', from: 'llama3.2' })
    await cli.push('mine')
    await cli.close()
  })
})
