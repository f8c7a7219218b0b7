// Plain HTTP sent to the HTTPS port (a teammate's client still set to http:// after the owner
// turned HTTPS on) gets a readable 400 in the client's dialect with the https:// address,
// as nginx answers with its 497; before, the TLS listener dropped it ("empty reply").
import net from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Ollama } from 'ollama'
import OpenAI from 'openai'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { curl, fetchTrusting } from './support.js'

let gw: TestGateway
let port: number
beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.server.tls.mode = 'self-signed') })
  port = Number(new URL(gw.running.sharing.urls()[0]!).port)
})
afterAll(() => gw.close())

describe('plain HTTP on the HTTPS port', () => {
  test('curl gets a 400 with the https address, on an Ollama path', async () => {
    const r = await curl(['-i', `http://127.0.0.1:${port}/api/tags`])
    expect(r.stdout).toMatch(/^HTTP\/1.1 400/)
    const body = JSON.parse(r.stdout.slice(r.stdout.indexOf('\r\n\r\n') + 4)) as { error: string }
    expect(body.error).toContain(`https://127.0.0.1:${port}/api/tags`)
  })

  test('the ollama client shows the message with the address', async () => {
    const ollama = new Ollama({ host: `http://127.0.0.1:${port}` })
    const err = await ollama.list().then(
      () => null,
      (e: unknown) => e as Error & { status_code?: number },
    )
    expect(err?.status_code).toBe(400)
    expect(err?.message).toContain(`https://127.0.0.1:${port}`)
  })

  test('the openai client gets the OpenAI error shape with the code', async () => {
    const openai = new OpenAI({
      baseURL: `http://127.0.0.1:${port}/v1`,
      apiKey: gw.key,
      maxRetries: 0,
    })
    const err = await openai.models.list().then(
      () => null,
      (e: unknown) => e as InstanceType<typeof OpenAI.APIError>,
    )
    expect(err?.status).toBe(400)
    expect(err?.code).toBe('corral_err_https_required')
    expect(err?.message).toContain(`https://127.0.0.1:${port}/v1/models`)
  })

  test('a request head that arrives in pieces is answered too', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1')
      let got = ''
      s.on('data', (d) => (got += String(d)))
      s.on('end', () => resolve(got))
      s.on('error', reject)
      s.write('GET /api/ps HTTP/1.1\r\n')
      setTimeout(() => s.write('Host: corral.local:11435\r\n\r\n'), 50)
    })
    expect(text).toMatch(/^HTTP\/1.1 400/)
    expect(text).toContain('https://corral.local:11435/api/ps')
  })

  test('HTTPS on the same port still works', async () => {
    const res = await fetchTrusting(null)(`https://127.0.0.1:${port}/api/tags`, {
      headers: { authorization: `Bearer ${gw.key}` },
    }).catch((e: Error) => e)
    // Untrusted certificate: the TLS handshake ran (and was refused by the client).
    expect(res).toBeInstanceOf(Error)
    const r = await curl([
      '-k',
      '-H',
      `authorization: Bearer ${gw.key}`,
      `https://127.0.0.1:${port}/api/tags`,
    ])
    expect(JSON.parse(r.stdout)).toHaveProperty('models')
  })
})
