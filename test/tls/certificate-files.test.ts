// Bring-your-own certificate (`server.tls.mode: files`): a corrupt or expired file gets a
// clear error in status and leaves plain HTTP serving as configured; new files are picked
// up when they change, and a bad replacement never takes down the one that works.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'
import type { TlsStatus } from '../../gateway/tls/status.js'
import { describeCertificate } from '../../gateway/tls/certificate.js'
import { curl, freePort, makeCertificate, peerFingerprint } from './support.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

async function startWithFiles(files: { cert: string; key: string }, plainPort: number | null) {
  let certFile = ''
  let keyFile = ''
  gw = await startTestGateway({
    config: (c) => {
      c.server.tls = { mode: 'files', certFile: '', keyFile: '', plainPort }
    },
    beforeStart: (dataDir) => {
      certFile = path.join(dataDir, 'my-cert.pem')
      keyFile = path.join(dataDir, 'my-key.pem')
      fs.writeFileSync(certFile, files.cert)
      fs.writeFileSync(keyFile, files.key, { mode: 0o600 })
      const configFile = path.join(dataDir, 'config.json')
      const config = JSON.parse(fs.readFileSync(configFile, 'utf8'))
      config.server.tls.certFile = certFile
      config.server.tls.keyFile = keyFile
      fs.writeFileSync(configFile, JSON.stringify(config))
    },
    start: { watchConfig: true },
  })
  return { gw, certFile, keyFile }
}

const status = async (g: TestGateway) =>
  (
    await g.control<{ tls: TlsStatus; warnings: string[]; urls: string[] }>(
      'GET',
      '/control/status',
    )
  ).body

describe('a certificate file that cannot be used', () => {
  test('a corrupt file: a clear error in status, plain HTTP keeps serving, nothing lost', async () => {
    const good = await makeCertificate()
    const { gw: g, certFile } = await startWithFiles(
      {
        cert: '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n',
        key: good.key,
      },
      await freePort(),
    )
    const s = await status(g)
    expect(s.tls.error).toContain(`The certificate file ${certFile} is unusable`)
    expect(s.tls.scheme).toBe('http')
    expect(s.tls.fingerprint).toBeNull()
    expect(s.warnings).toContain(s.tls.error)
    // The plain port serves; the HTTPS port never fell back to plain HTTP.
    expect(s.urls).toHaveLength(1)
    expect(s.urls[0]).toMatch(/^http:\/\//)
    const res = await request(`${s.urls[0]}/api/tags`, {
      headers: { authorization: `Bearer ${g.key}` },
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    // The keys and settings are untouched.
    const saved = JSON.parse(fs.readFileSync(path.join(g.dataDir, 'config.json'), 'utf8'))
    expect(saved.keys).toHaveLength(1)
    expect(saved.server.tls.mode).toBe('files')
  })

  test('an expired certificate: the error says when it expired', async () => {
    const expired = await makeCertificate({ now: Date.now() - 10 * 86_400_000, days: 5 })
    const { gw: g } = await startWithFiles(expired, await freePort())
    const s = await status(g)
    expect(s.tls.error).toMatch(/is unusable: it expired on \d{4}-\d\d-\d\dT/)
    expect(s.tls.scheme).toBe('http')
    expect(s.urls[0]).toMatch(/^http:\/\//)
  })

  test('a key that belongs to another certificate is named as the problem', async () => {
    const a = await makeCertificate()
    const b = await makeCertificate()
    const { gw: g, keyFile } = await startWithFiles({ cert: a.cert, key: b.key }, null)
    const s = await status(g)
    expect(s.tls.error).toBe(
      `The key file ${keyFile} is unusable: the key file does not belong to the certificate.`,
    )
    // No plain port configured: nothing listens on the LAN, and the control API still answers.
    expect(s.urls).toEqual([])
  })

  test('corral status prints the error', async () => {
    const { runCli } = await import('../support/cli.js')
    const expired = await makeCertificate({ now: Date.now() - 10 * 86_400_000, days: 5 })
    const { gw: g } = await startWithFiles(expired, await freePort())
    // The CLI finds the server through control.json; the test server runs in this process.
    const human = await runCli(['status', '--data-dir', g.dataDir])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/HTTPS: files \(not serving\)/)
    expect(human.stdout).toMatch(/ERROR: The certificate in .* is unusable: it expired on/)
    const json = await runCli(['status', '--json', '--data-dir', g.dataDir])
    const parsed = JSON.parse(json.stdout)
    expect(parsed.tls.fingerprint).toBeNull()
    expect(parsed.tls.error).toMatch(/expired/)
  })
})

describe('new certificate files', () => {
  test('are served once they change, without a restart', async () => {
    const first = await makeCertificate()
    const { gw: g, certFile, keyFile } = await startWithFiles(first, null)
    const port = Number(new URL((await status(g)).urls[0]!).port)
    expect(await peerFingerprint(port)).toBe(describeCertificate(first.cert).fingerprint)

    const second = await makeCertificate()
    fs.writeFileSync(keyFile, second.key)
    fs.writeFileSync(certFile, second.cert)
    const want = describeCertificate(second.cert).fingerprint
    await eventually(async () => expect(await peerFingerprint(port)).toBe(want), 5000)
    expect((await status(g)).tls.fingerprint).toBe(want)
  })

  test('a corrupt replacement keeps the working certificate and says so', async () => {
    const first = await makeCertificate()
    const { gw: g, certFile } = await startWithFiles(first, null)
    const port = Number(new URL((await status(g)).urls[0]!).port)
    fs.writeFileSync(certFile, 'garbage\n')
    await eventually(async () => expect((await status(g)).tls.error).toMatch(/Still serving/), 5000)
    expect(await peerFingerprint(port)).toBe(describeCertificate(first.cert).fingerprint)
    const ca = path.join(g.dataDir, 'first.pem')
    fs.writeFileSync(ca, first.cert)
    const res = await curl([
      '--cacert',
      ca,
      '-H',
      `Authorization: Bearer ${g.key}`,
      `https://127.0.0.1:${port}/api/version`,
    ])
    expect(res.code).toBe(0)
  })
})
