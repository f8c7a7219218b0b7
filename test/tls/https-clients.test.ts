// HTTPS on the gateway port with Corral's own self-signed certificate: the `openai` and
// `ollama` clients and curl get through when they trust it, and are refused when they do not.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { selfSignedFiles } from '../../gateway/tls/self-signed.js'
import type { TlsStatus } from '../../gateway/tls/status.js'
import { curl, failureChain, fetchTrusting, peerFingerprint } from './support.js'

let gw: TestGateway
let url: string
let pem: string
let caFile: string

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.server.tls.mode = 'self-signed') })
  url = gw.running.sharing.urls()[0]!
  pem = fs.readFileSync(selfSignedFiles(gw.dataDir).cert, 'utf8')
  caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'corral-ca-')), 'corral.pem')
  fs.writeFileSync(caFile, pem)
})
afterAll(() => gw.close())

describe('the self-signed certificate', () => {
  test('is stored in the data dir with the key readable by the owner only', () => {
    const files = selfSignedFiles(gw.dataDir)
    expect(fs.statSync(files.key).mode & 0o777).toBe(0o600)
    expect(fs.readFileSync(files.key, 'utf8')).toContain('PRIVATE KEY')
    expect(pem).toContain('BEGIN CERTIFICATE')
  })

  test('the gateway URL is https and the served certificate is the stored one', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const { body } = await gw.control<{ tls: TlsStatus }>('GET', '/control/status')
    expect(body.tls.scheme).toBe('https')
    expect(body.tls.fingerprint).toBe(await peerFingerprint(Number(new URL(url).port)))
    expect(body.tls.certificate?.ipAddresses).toContain('127.0.0.1')
    expect(body.tls.certificate?.dnsNames).toContain('localhost')
  })

  test('is offered at /connect/cert.pem without the key', async () => {
    const res = await fetchTrusting(pem)(`${url}/connect/cert.pem`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/x-pem-file')
    const text = await res.text()
    expect(text).toBe(pem)
    expect(text).not.toContain('PRIVATE')
  })
})

describe('the openai client over HTTPS', () => {
  test('reaches the gateway when the certificate is trusted', async () => {
    const openai = new OpenAI({
      baseURL: `${url}/v1`,
      apiKey: gw.key,
      maxRetries: 0,
      fetch: fetchTrusting(pem),
    })
    const chat = await openai.chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(chat.choices[0]?.message.content).toContain('b0-tok0')
  })

  test('is refused without the certificate', async () => {
    const openai = new OpenAI({
      baseURL: `${url}/v1`,
      apiKey: gw.key,
      maxRetries: 0,
      fetch: fetchTrusting(null),
    })
    expect(await failureChain(openai.models.list())).toMatch(/self-signed certificate/)
    // And the gateway never saw a request from it: the key did not leave the client.
    const { body } = await gw.control<{ live: { inFlight: number } }>('GET', '/control/status')
    expect(body.live.inFlight).toBe(0)
  })
})

describe('the ollama client over HTTPS', () => {
  test('streams a chat when the certificate is trusted', async () => {
    const ollama = new Ollama({
      host: url,
      headers: { Authorization: `Bearer ${gw.key}` },
      fetch: fetchTrusting(pem),
    })
    const stream = await ollama.chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    })
    let text = ''
    for await (const part of stream) text += part.message.content
    expect(text).toMatch(/^b0-tok0 /)
  })

  test('is refused without the certificate', async () => {
    const ollama = new Ollama({
      host: url,
      headers: { Authorization: `Bearer ${gw.key}` },
      fetch: fetchTrusting(null),
    })
    expect(await failureChain(ollama.list())).toMatch(/self-signed certificate/)
  })
})

describe('curl over HTTPS', () => {
  test('answers with --cacert', async () => {
    const res = await curl([
      '--cacert',
      caFile,
      '-H',
      `Authorization: Bearer ${gw.key}`,
      `${url}/api/tags`,
    ])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout).models.length).toBeGreaterThan(0)
  })

  test('refuses the self-signed certificate without --cacert (exit 60)', async () => {
    const res = await curl(['-H', `Authorization: Bearer ${gw.key}`, `${url}/api/tags`])
    expect(res.code).toBe(60)
    expect(res.stderr).toMatch(/self-signed certificate/)
  })

  test('plain HTTP on the HTTPS port gets a 400 naming the https address, never the API', async () => {
    const res = await curl([url.replace('https:', 'http:') + '/api/tags'])
    expect(res.stdout).toContain(`${url}/api/tags`)
    expect(res.stdout).not.toContain('models')
  })
})

describe('the QR code and the connect link', () => {
  test('carry the fingerprint of the certificate a real TLS connection presents', async () => {
    const { status, body } = await gw.control<{ key: string; connectUrls: string[] }>(
      'POST',
      '/control/keys',
      { name: 'phone' },
    )
    expect(status).toBe(201)
    const link = new URL(body.connectUrls[0]!)
    expect(link.protocol).toBe('https:')
    expect(link.pathname).toBe('/connect')
    const fragment = new URLSearchParams(link.hash.slice(1))
    expect(fragment.get('key')).toBe(body.key)
    expect(fragment.get('fp')).toBe(await peerFingerprint(Number(link.port)))
  })
})
