// Issue 25: "With HTTPS on, a connect link or QR code never carries a key over plain http://".
// Before, a certificate that could not be loaded plus a configured plain port gave
// `http://.../connect#key=...` as the new key's link and QR code.
import { afterEach, describe, expect, test } from 'vitest'
import { connectLinks } from '../../gateway/tls/connect-links.js'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { freePort } from './support.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

interface Created {
  key: string
  connectUrls: string[]
  connectProblem: string | null
}

describe('connect links with HTTPS on', () => {
  test('a certificate that cannot be used and a plain port: no link, and the control API says why', async () => {
    const plainPort = await freePort()
    gw = await startTestGateway({
      config: (c) => {
        c.server.tls = {
          mode: 'files',
          certFile: '/nonexistent/corral-cert.pem',
          keyFile: '/nonexistent/corral-key.pem',
          plainPort,
        }
      },
    })
    const status = await gw.control<{ urls: string[]; tls: { error: string | null } }>(
      'GET',
      '/control/status',
    )
    // The plain port serves (as the owner configured it)...
    expect(status.body.urls[0]).toMatch(/^http:\/\//)
    expect(status.body.tls.error).toBeTruthy()
    // ...but no key is offered over it.
    const created = await gw.control<Created>('POST', '/control/keys', { name: 'phone' })
    expect(created.status).toBe(201)
    expect(created.body.connectUrls).toEqual([])
    expect(created.body.connectProblem).toContain('HTTPS is on but its certificate cannot be used')
    expect(created.body.connectProblem).toContain(status.body.tls.error!.slice(0, 60))
    expect(JSON.stringify(created.body)).not.toMatch(/http:\/\/[^"]*#key=/)
  })

  test('with a certificate the links are https:// with its fingerprint; with HTTPS off, http://', () => {
    const base = { key: 'crl_k', host: '127.0.0.1', port: 11435, tlsError: null }
    expect(connectLinks({ ...base, tlsMode: 'self-signed', fingerprint: 'ab12' })).toEqual({
      urls: ['https://127.0.0.1:11435/connect#key=crl_k&fp=ab12'],
      problem: null,
    })
    expect(connectLinks({ ...base, tlsMode: 'off', fingerprint: null })).toEqual({
      urls: ['http://127.0.0.1:11435/connect#key=crl_k'],
      problem: null,
    })
    const broken = connectLinks({ ...base, tlsMode: 'files', fingerprint: null, tlsError: 'x' })
    expect(broken.urls).toEqual([])
    expect(broken.problem).toMatch(/turn HTTPS off/)
  })
})
