// The real `corral` command with TLS: `serve --tls self-signed` serves HTTPS on the gateway
// port, `status --json` has tls.fingerprint (hex SHA-256 of the DER the handshake presents),
// `cert --pem` prints that certificate, curl trusts it with --cacert; and HTTPS set from the
// control API's settings restarts sharing with it.
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { runCli, startServe } from '../support/cli.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'
import { eventually, startTestGateway, tempDataDir, type TestGateway } from '../support/gateway.js'
import { describeCertificate } from '../../gateway/tls/certificate.js'
import type { TlsStatus } from '../../gateway/tls/status.js'
import { offlineConnectUrls } from '../../gateway/tls/offline.js'
import { defaultConfig, serializeConfig } from '../../gateway/config/load.js'
import { curl, makeCertificate, peerFingerprint } from './support.js'

describe.each([
  ['corral serve --tls self-signed --workers 1', ['--workers', '1']],
  ['corral serve --tls self-signed --workers 2', ['--workers', '2']],
])('%s', (_name, workerFlags: string[]) => {
  let fake: FakeOllama
  let serve: Awaited<ReturnType<typeof startServe>>
  let dir: string

  beforeAll(async () => {
    fake = await startFakeOllama()
    dir = tempDataDir()
    serve = await startServe([
      ...['--data-dir', dir, '--host', '127.0.0.1', '--port', '0', '--control-port', '0'],
      ...['--backend', fake.url, '--no-mdns', '--tls', 'self-signed', ...workerFlags],
    ])
  })
  afterAll(async () => {
    serve.child.kill('SIGKILL')
    await fake.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  test('serves HTTPS on the gateway port; status --json has the fingerprint the handshake presents', async () => {
    const url = serve.info.gateway[0]!
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    const status = await runCli(['status', '--json', '--data-dir', dir])
    const s = JSON.parse(status.stdout) as { tls: TlsStatus; network: { bound: boolean } }
    expect(s.tls.fingerprint).toMatch(/^[0-9a-f]{64}$/)
    expect(s.tls.fingerprint).toBe(await peerFingerprint(Number(new URL(url).port)))
    // Headless: sharing is not bound to the network unless asked.
    expect(s.network.bound).toBe(false)
    const human = await runCli(['status', '--data-dir', dir])
    expect(human.stdout).toContain('HTTPS: self-signed')
    expect(human.stdout).toContain(s.tls.fingerprint!.slice(0, 2).toUpperCase() + ':')
  })

  test('cert --pem prints the served certificate, and curl trusts it with --cacert', async () => {
    const pem = await runCli(['cert', '--pem', '--data-dir', dir])
    expect(pem.code).toBe(0)
    expect(pem.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/)
    const url = serve.info.gateway[0]!
    expect(describeCertificate(pem.stdout).fingerprint).toBe(
      await peerFingerprint(Number(new URL(url).port)),
    )
    const ca = path.join(dir, 'ca.pem')
    fs.writeFileSync(ca, pem.stdout)
    const key = JSON.parse(
      (await runCli(['keys', 'create', '--name', 'tls', '--json', '--data-dir', dir])).stdout,
    ).key as string
    const res = await curl([
      '--cacert',
      ca,
      '-H',
      `Authorization: Bearer ${key}`,
      `${url}/api/tags`,
    ])
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout).models).toBeDefined()
    const info = await runCli(['cert', '--data-dir', dir])
    expect(info.stdout).toContain('SHA-256 fingerprint: ')
    expect(info.stdout).toContain('127.0.0.1')
  })
})

describe('corral cert without a running server', () => {
  test('says HTTPS is off (exit 3), and with files mode prints the file', async () => {
    const dir = tempDataDir()
    const off = await runCli(['cert', '--data-dir', dir])
    expect(off.code).toBe(3)
    expect(off.stderr).toContain('HTTPS is off')
    const pair = await makeCertificate()
    fs.writeFileSync(path.join(dir, 'c.pem'), pair.cert)
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))
    config.server.tls = {
      mode: 'files',
      certFile: path.join(dir, 'c.pem'),
      keyFile: 'k',
      plainPort: null,
    }
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config))
    const json = await runCli(['cert', '--json', '--data-dir', dir])
    expect(JSON.parse(json.stdout).fingerprint).toBe(describeCertificate(pair.cert).fingerprint)
  })

  test('serve refuses an unknown --tls mode and files without both paths (exit 2)', async () => {
    const bad = await runCli(['serve', '--tls', 'yes', '--data-dir', tempDataDir()])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--tls must be one of off, self-signed, files')
    const half = await runCli([
      'serve',
      '--tls',
      'files',
      '--cert-file',
      'x',
      '--data-dir',
      tempDataDir(),
    ])
    expect(half.code).toBe(2)
    expect(half.stderr).toContain('--tls files needs --cert-file FILE and --key-file FILE')
  })
})

describe('HTTPS from the settings (the UI)', () => {
  let gw: TestGateway | null = null
  afterEach(async () => {
    await gw?.close()
    gw = null
  })

  test('turning it on restarts sharing with HTTPS; turning it off goes back to plain HTTP', async () => {
    gw = await startTestGateway()
    const g = gw
    const tls = { mode: 'self-signed', certFile: '', keyFile: '', plainPort: null }
    const on = await g.control('PATCH', '/control/settings', { server: { tls } })
    expect(on.status).toBe(200)
    const urls = async () =>
      (await g.control<{ urls: string[]; tls: TlsStatus }>('GET', '/control/status')).body
    await eventually(async () => expect((await urls()).urls[0]).toMatch(/^https:/), 5000)
    const s = await urls()
    expect(await peerFingerprint(Number(new URL(s.urls[0]!).port))).toBe(s.tls.fingerprint)

    await g.control('PATCH', '/control/settings', { server: { tls: { ...tls, mode: 'off' } } })
    await eventually(async () => expect((await urls()).urls[0]).toMatch(/^http:/), 5000)
  })

  test('settings that cannot work are refused with 400 and nothing changes', async () => {
    gw = await startTestGateway()
    const files = { mode: 'files', certFile: '', keyFile: '', plainPort: null }
    const r = await gw.control<{ error: string }>('PATCH', '/control/settings', {
      server: { tls: files },
    })
    expect(r.status).toBe(400)
    expect(r.body.error).toBe('HTTPS with your own files needs both a certificate and a key file')
    const port = gw.running.gatewayPort()!
    const clash = { mode: 'self-signed', certFile: '', keyFile: '', plainPort: port }
    const r2 = await gw.control<{ error: string }>('PATCH', '/control/settings', {
      server: { tls: clash, port },
    })
    expect(r2.status).toBe(400)
    expect(r2.body.error).toBe(`plain HTTP needs a port of its own, not ${port}`)
    const saved = JSON.parse(fs.readFileSync(path.join(gw.dataDir, 'config.json'), 'utf8'))
    expect(saved.server.tls.mode).toBe('off')
  })
})

describe('corral keys create without a running server', () => {
  test('its connect link is https with the stored certificate’s fingerprint', async () => {
    const dir = tempDataDir()
    const config = defaultConfig()
    config.server.tls.mode = 'self-signed'
    fs.writeFileSync(path.join(dir, 'config.json'), serializeConfig(config))
    // `corral cert` makes the certificate the first start would make.
    const pem = await runCli(['cert', '--pem', '--data-dir', dir])
    const fp = describeCertificate(pem.stdout).fingerprint
    const [link] = offlineConnectUrls(
      dir,
      { ...config, server: { ...config.server, host: '127.0.0.1' } },
      'crl_k',
    )
    expect(link).toBe(`https://127.0.0.1:11435/connect#key=crl_k&fp=${fp}`)
    const made = await runCli(['keys', 'create', '--name', 'laptop', '--data-dir', dir])
    expect(made.code).toBe(0)
    expect(made.stdout).toMatch(/Scan to connect a phone or laptop \(https:\/\/[^)]+\/connect\)/)
  })
})
