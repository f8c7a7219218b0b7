// What a signed request cannot do: be replayed from another connection, come from a clock
// far off, sign one path and use another, outlive its key, dodge the key's rules, or flood
// the owner's list. Each case is a real gateway and the Go-client signer.
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import {
  makeDeviceKey,
  OllamaGoClient,
  writeOllamaKeyFiles,
  type DeviceKey,
} from '../support/ollama-cli.js'
import { MAX_PENDING_PER_ADDRESS } from '../../gateway/device-keys/pending.js'

let gw: TestGateway
const homes: string[] = []
let alice: { home: string; key: DeviceKey }

function newHome(key?: DeviceKey): { home: string; key: DeviceKey } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-guard-'))
  homes.push(home)
  return { home, key: writeOllamaKeyFiles(home, key ?? makeDeviceKey()) }
}

/** One request on a connection of its own (agent: false). */
function once(
  url: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => (c.server.basePath = '/ollama') })
  alice = newHome()
  const added = await gw.control('POST', `/control/keys/${gw.keyId}/devices`, {
    publicKey: alice.key.publicLine + ' alice@laptop',
  })
  expect(added.status).toBe(201)
})
afterAll(async () => {
  await gw.close()
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true })
})

describe('signed requests', () => {
  it('serves a device under the base path, where the CLI signs the path without it', async () => {
    const cli = new OllamaGoClient({ host: `${gw.url}/ollama`, auth: true, home: alice.home })
    expect((await cli.list())!.models.length).toBeGreaterThan(0)
    await cli.close()
  })

  it('refuses a copied header on another connection, and takes it again on its own', async () => {
    const cli = new OllamaGoClient({ host: gw.url, auth: true, home: alice.home })
    // /api/ps: no other test signs it, so this second's signature is new to the guard.
    const { url, headers } = cli.prepare('GET', '/api/ps')
    expect((await once(url, headers)).status).toBe(200)
    const replay = await once(url, headers)
    expect(replay.status).toBe(401)
    expect(JSON.parse(replay.body).error).toContain('already used on another connection')
    await cli.close()
  })

  it('refuses a clock more than five minutes off, saying so', async () => {
    const cli = new OllamaGoClient({
      host: gw.url,
      auth: true,
      home: alice.home,
      now: () => Date.now() - 20 * 60_000,
    })
    await expect(cli.list()).rejects.toThrow("this computer's clock is 20 min behind Corral's")
    await cli.close()
  })

  it('refuses a signature made for another path or method', async () => {
    const cli = new OllamaGoClient({ host: gw.url, auth: true, home: alice.home })
    const { url, headers } = cli.prepare('GET', '/api/tags')
    const other = await once(url.replace('/api/tags', '/api/ps'), headers)
    expect(other.status).toBe(401)
    expect(JSON.parse(other.body).error).toContain('signature does not match GET /api/ps')
    await cli.close()
  })

  it("applies the key's model list, pause and revocation to its devices", async () => {
    const cli = new OllamaGoClient({ host: gw.url, auth: true, home: alice.home })
    await gw.running.corral.update((c) => {
      c.keys.find((k) => k.id === gw.keyId)!.models = ['qwen2.5:0.5b']
    })
    await expect(cli.show('llama3.2')).rejects.toHaveProperty('statusCode', 403)
    await gw.running.corral.update((c) => {
      c.keys.find((k) => k.id === gw.keyId)!.models = []
    })
    expect((await gw.control('POST', `/control/keys/${gw.keyId}/pause`, {})).status).toBe(200)
    await expect(cli.show('llama3.2')).rejects.toHaveProperty('statusCode', 503)
    expect((await gw.control('POST', `/control/keys/${gw.keyId}/resume`)).status).toBe(200)
    expect(await cli.show('llama3.2')).toHaveProperty('details')
    const other = await gw.newKey({ name: 'bob' })
    const bob = newHome()
    await gw.control('POST', `/control/keys/${other.id}/devices`, { publicKey: bob.key.publicLine })
    expect((await gw.control('DELETE', `/control/keys/${other.id}`)).status).toBe(200)
    const bobCli = new OllamaGoClient({ host: gw.url, auth: true, home: bob.home })
    await expect(bobCli.list()).rejects.toThrow()
    await bobCli.close()
    await cli.close()
  })

  it('will not bind one device to two keys', async () => {
    const other = await gw.newKey({ name: 'carol' })
    const res = await gw.control<{ error: string }>('POST', `/control/keys/${other.id}/devices`, {
      publicKey: alice.key.publicLine,
    })
    expect(res.status).toBe(409)
    expect(res.body.error).toContain('already belongs to key "alice"')
  })
})

describe('devices that ask on first use', () => {
  it('remembers a refusal (403, said plainly) until the owner forgets it', async () => {
    const dev = newHome()
    const cli = new OllamaGoClient({ host: gw.url, auth: true, home: dev.home })
    await expect(cli.list()).rejects.toHaveProperty('statusCode', 401)
    const list = await gw.control<{ pending: Array<{ id: string; fingerprint: string }> }>(
      'GET',
      '/control/devices',
    )
    const pending = list.body.pending.find((d) => d.fingerprint.length > 0)!
    expect((await gw.control('POST', `/control/devices/${pending.id}/deny`)).status).toBe(200)
    const err = await cli.list().catch((e: Error & { statusCode: number }) => e)
    expect(err).toHaveProperty('statusCode', 403)
    expect((err as Error).message).toContain('The owner of this Corral refused this device')
    const after = await gw.control<{ denied: Array<{ id: string }>; pending: unknown[] }>(
      'GET',
      '/control/devices',
    )
    expect(after.body.denied.map((d) => d.id)).toContain(pending.id)
    // Saved: a restart keeps the refusal.
    const saved = JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'config.json'), 'utf8'))
    expect(saved.devices.denied[0].fingerprint).toBe(pending.fingerprint)
    expect((await gw.control('DELETE', `/control/devices/${pending.id}`)).status).toBe(200)
    await expect(cli.list()).rejects.toHaveProperty('statusCode', 401)
    const again = await gw.control<{ pending: Array<{ id: string }> }>('GET', '/control/devices')
    expect(again.body.pending.map((d) => d.id)).toContain(pending.id)
    await cli.close()
  })

  it('keeps at most a few waiting devices per address however many keys one machine makes', async () => {
    for (let i = 0; i < MAX_PENDING_PER_ADDRESS + 6; i++) {
      const dev = newHome()
      const cli = new OllamaGoClient({ host: gw.url, auth: true, home: dev.home })
      await expect(cli.list()).rejects.toHaveProperty('statusCode', 401)
      await cli.close()
    }
    const list = await gw.control<{ pending: Array<{ address: string }> }>(
      'GET',
      '/control/devices',
    )
    expect(list.body.pending.filter((d) => d.address === '127.0.0.1').length).toBe(
      MAX_PENDING_PER_ADDRESS,
    )
  })

  it('shows a hostile User-Agent and Host as text, never as markup', async () => {
    const dev = newHome()
    const cli = new OllamaGoClient({ host: gw.url, auth: true, home: dev.home })
    const { url, headers } = cli.prepare('GET', '/api/tags')
    await once(url, { ...headers, 'user-agent': '<img src=x onerror=alert(1)>\u00e9' })
    const list = await gw.control<{ pending: Array<{ client: string; fingerprint: string }> }>(
      'GET',
      '/control/devices',
    )
    const d = list.body.pending.find((p) => p.client.includes('img'))!
    expect(d.client).toBe('<img src=x onerror=alert(1)>')
    const page = await once(`${gw.url}/connect/device`, { host: '<script>x</script>' })
    expect(page.status).toBe(200)
    expect(page.body).not.toContain('<script>')
    expect(page.body).toContain('export OLLAMA_HOST=http://HOST:11435')
    await cli.close()
  })
})
