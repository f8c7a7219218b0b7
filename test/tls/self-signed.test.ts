// The self-signed certificate Corral keeps in the data dir: made once, kept across starts,
// made again when it nears its end, cannot be read, or misses an address this machine has.
import fs from 'node:fs'
import { afterEach, describe, expect, test } from 'vitest'
import { request } from 'undici'
import {
  ensureSelfSigned,
  RENEW_BEFORE_MS,
  selfSignedFiles,
} from '../../gateway/tls/self-signed.js'
import { SELF_SIGNED_VALIDITY_DAYS } from '../../gateway/tls/certificate.js'
import { lanNames } from '../../gateway/tls/lan-names.js'
import { startTestGateway, tempDataDir, type TestGateway } from '../support/gateway.js'
import type { TlsStatus } from '../../gateway/tls/status.js'
import { freePort, peerFingerprint } from './support.js'

const names = {
  dnsNames: ['localhost', 'studio.local'],
  ipAddresses: ['127.0.0.1', '192.168.1.20'],
}
const NOW = Date.parse('2026-06-01T00:00:00Z')

describe('ensureSelfSigned', () => {
  test('makes a P-256 certificate for every name and address, valid for 825 days', async () => {
    const made = await ensureSelfSigned(tempDataDir(), names, NOW)
    expect(made.renewed).toBe('there was none yet')
    expect(made.info.dnsNames).toEqual(['localhost', 'studio.local'])
    expect(made.info.ipAddresses).toEqual(['127.0.0.1', '192.168.1.20'])
    expect(Date.parse(made.info.notAfter) - NOW).toBe(SELF_SIGNED_VALIDITY_DAYS * 86_400_000)
    expect(made.info.fingerprint).toMatch(/^[0-9a-f]{64}$/)
  })

  test('keeps the stored certificate on the next start', async () => {
    const dir = tempDataDir()
    const a = await ensureSelfSigned(dir, names, NOW)
    const b = await ensureSelfSigned(dir, names, NOW + 86_400_000)
    expect(b.renewed).toBeNull()
    expect(b.info.fingerprint).toBe(a.info.fingerprint)
  })

  test('makes a new one a month before the end', async () => {
    const dir = tempDataDir()
    const a = await ensureSelfSigned(dir, names, NOW)
    const late = Date.parse(a.info.notAfter) - RENEW_BEFORE_MS + 1000
    const b = await ensureSelfSigned(dir, names, late)
    expect(b.renewed).toMatch(/^it ends on /)
    expect(b.info.fingerprint).not.toBe(a.info.fingerprint)
  })

  test('on a new network, covers the new address and keeps the old ones', async () => {
    const dir = tempDataDir()
    await ensureSelfSigned(dir, names, NOW)
    const hotel = { dnsNames: names.dnsNames, ipAddresses: ['127.0.0.1', '10.8.0.5'] }
    const b = await ensureSelfSigned(dir, hotel, NOW)
    expect(b.renewed).toBe('it does not cover 10.8.0.5')
    expect(b.info.ipAddresses).toEqual(['127.0.0.1', '10.8.0.5', '192.168.1.20'])
  })

  test('replaces a stored pair that is corrupt', async () => {
    const dir = tempDataDir()
    await ensureSelfSigned(dir, names, NOW)
    fs.writeFileSync(selfSignedFiles(dir).cert, 'garbage')
    const b = await ensureSelfSigned(dir, names, NOW)
    expect(b.renewed).toMatch(/^the stored one is unusable: it holds no PEM certificate/)
    expect(fs.statSync(selfSignedFiles(dir).key).mode & 0o777).toBe(0o600)
  })

  test("this machine's names include localhost and every interface address", () => {
    const real = lanNames()
    expect(real.dnsNames).toContain('localhost')
    expect(real.ipAddresses).toContain('127.0.0.1')
  })
})

describe('plain HTTP next to HTTPS', () => {
  let gw: TestGateway | null = null
  afterEach(async () => {
    await gw?.close()
    gw = null
  })

  test('serves on its own port, with the "keys are sent unencrypted" warning', async () => {
    const plainPort = await freePort()
    gw = await startTestGateway({
      config: (c) => {
        c.server.tls.mode = 'self-signed'
        c.server.tls.plainPort = plainPort
      },
    })
    const { body } = await gw.control<{ tls: TlsStatus; warnings: string[]; urls: string[] }>(
      'GET',
      '/control/status',
    )
    expect(body.urls.map((u) => new URL(u).protocol)).toEqual(['https:', 'http:'])
    const [https, http] = body.urls.map((u) => Number(new URL(u).port))
    expect(https).not.toBe(http)
    expect(body.tls.plainPort).toBe(http)
    const warning = `Plain HTTP is on at port ${http}: keys sent there travel unencrypted; anyone on the network can read them.`
    expect(body.tls.warnings).toContain(warning)
    expect(body.warnings).toContain(warning)
    expect(await peerFingerprint(https!)).toBe(body.tls.fingerprint)
    const res = await request(`http://127.0.0.1:${http}/api/tags`, {
      headers: { authorization: `Bearer ${gw.key}` },
    })
    expect(res.statusCode).toBe(200)
    await res.body.dump()
    // The QR code offers HTTPS only.
    const key = await gw.control<{ connectUrls: string[] }>('POST', '/control/keys', { name: 'x' })
    expect(key.body.connectUrls.every((u) => u.startsWith('https://'))).toBe(true)
  })

  test('with TLS off the gateway port stays plain HTTP, as before', async () => {
    gw = await startTestGateway()
    const { body } = await gw.control<{ tls: TlsStatus; urls: string[] }>('GET', '/control/status')
    expect(body.tls).toMatchObject({ mode: 'off', scheme: 'http', fingerprint: null })
    expect(body.tls.warnings[0]).toMatch(/^Keys are sent unencrypted/)
    expect(body.urls[0]).toMatch(/^http:\/\//)
  })
})
