// Settings → HTTPS through the control API, as the Settings view sends it (issue 27): an
// empty plain port means none (never a random one), certificate files that cannot be used
// are refused in words before anything changes, and what worked keeps serving.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'
import type { TlsStatus } from '../../gateway/tls/status.js'
import { makeCertificate } from './support.js'

let gw: TestGateway
let dir: string
beforeAll(async () => {
  gw = await startTestGateway()
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-https-settings-'))
})
afterAll(async () => {
  await gw.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const status = async () => (await gw.control<{ tls: TlsStatus }>('GET', '/control/status')).body.tls
const patchTls = (tls: object) =>
  gw.control<{ error?: string }>('PATCH', '/control/settings', { server: { tls } })

describe('the plain HTTP port', () => {
  /** Bug: ajv coerced the field's null into 0, and 0 meant "a random port on every interface". */
  test('left empty (null) is saved as null and opens no plain listener', async () => {
    const res = await patchTls({ mode: 'self-signed', certFile: '', keyFile: '', plainPort: null })
    expect(res.status).toBe(200)
    expect(gw.running.corral.store.current.server.tls.plainPort).toBeNull()
    const tls = await eventually(async () => {
      const t = await status()
      expect(t.scheme).toBe('https')
      return t
    })
    expect(tls.plainPort).toBeNull()
    expect(gw.running.sharing.urls().every((u) => u.startsWith('https://'))).toBe(true)
  })

  test('0 means none too, never a random port', async () => {
    const res = await patchTls({ mode: 'self-signed', certFile: '', keyFile: '', plainPort: 0 })
    expect(res.status).toBe(200)
    expect(gw.running.corral.store.current.server.tls.plainPort).toBeNull()
    expect((await status()).plainPort).toBeNull()
  })
})

describe('my own certificate files', () => {
  test('that do not exist are refused in words and HTTPS keeps serving', async () => {
    const before = await eventually(async () => {
      const t = await status()
      expect(t.scheme).toBe('https')
      return t
    })
    const res = await patchTls({
      mode: 'files',
      certFile: path.join(dir, 'missing-cert.pem'),
      keyFile: path.join(dir, 'missing-key.pem'),
      plainPort: null,
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toContain('missing-cert.pem')
    expect(res.body.error).toMatch(/does not exist/)
    expect(res.body.error).not.toMatch(/ENOENT/)
    expect(gw.running.corral.store.current.server.tls.mode).toBe('self-signed')
    const after = await status()
    expect(after.fingerprint).toBe(before.fingerprint)
    expect(after.error).toBeNull()
  })

  test('whose key belongs to another certificate are refused', async () => {
    const a = await makeCertificate()
    const b = await makeCertificate()
    fs.writeFileSync(path.join(dir, 'a.pem'), a.cert)
    fs.writeFileSync(path.join(dir, 'b.key'), b.key)
    const res = await patchTls({
      mode: 'files',
      certFile: path.join(dir, 'a.pem'),
      keyFile: path.join(dir, 'b.key'),
      plainPort: null,
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(/key/i)
    expect(gw.running.corral.store.current.server.tls.mode).toBe('self-signed')
  })

  test('a key given as the certificate is refused as not a certificate', async () => {
    const a = await makeCertificate()
    fs.writeFileSync(path.join(dir, 'a.key'), a.key)
    const res = await patchTls({
      mode: 'files',
      certFile: path.join(dir, 'a.key'),
      keyFile: path.join(dir, 'a.key'),
      plainPort: null,
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toContain('a.key')
  })

  test('that work are applied and served', async () => {
    const a = await makeCertificate()
    fs.writeFileSync(path.join(dir, 'good.pem'), a.cert)
    fs.writeFileSync(path.join(dir, 'good.key'), a.key)
    const res = await patchTls({
      mode: 'files',
      certFile: path.join(dir, 'good.pem'),
      keyFile: path.join(dir, 'good.key'),
      plainPort: null,
    })
    expect(res.status).toBe(200)
    await eventually(async () => expect((await status()).certificate?.source).toBe('files'))
  })
})
