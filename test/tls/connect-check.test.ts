// The connect page's certificate check, against a real gateway over HTTPS: the browser-side
// SHA-256 of the certificate it offers against the fingerprint from the QR code's link.
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  checkCertificate,
  fingerprintFromHash,
} from '../../renderer/src/connect/certificate-check.js'
import { trustSteps } from '../../renderer/src/connect/trust.js'
import {
  certificateFingerprint,
  formatFingerprint,
} from '../../renderer/src/security/fingerprint.js'
import { describeCertificate } from '../../gateway/tls/certificate.js'
import { selfSignedFiles } from '../../gateway/tls/self-signed.js'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { fetchTrusting, peerFingerprint } from './support.js'

let gw: TestGateway
let origin: string
let pem: string
let served: string

beforeAll(async () => {
  gw = await startTestGateway({ config: (c) => void (c.server.tls.mode = 'self-signed') })
  origin = gw.running.sharing.urls()[0]!
  pem = fs.readFileSync(selfSignedFiles(gw.dataDir).cert, 'utf8')
  served = await peerFingerprint(Number(new URL(origin).port))
})
afterAll(() => gw.close())

describe('the fingerprint in the link', () => {
  test.each([
    [`#key=crl_x&fp=${'AB'.repeat(32)}`, 'ab'.repeat(32)],
    [`#fp=${'ab:'.repeat(31)}ab&key=crl_x`, 'ab'.repeat(32)],
    ['#key=crl_x', null],
    [`#key=crl_x&fp=${'ab'.repeat(31)}`, null],
  ])('%s gives %s', (hash, fp) => {
    expect(fingerprintFromHash(hash)).toBe(fp)
  })
})

describe('checkCertificate', () => {
  test('computes in WebCrypto the same fingerprint Node and the TLS handshake give', async () => {
    expect(await certificateFingerprint(pem)).toBe(describeCertificate(pem).fingerprint)
    expect(await certificateFingerprint(pem)).toBe(served)
  })

  test('verified when the link names the certificate the gateway offers', async () => {
    expect(await checkCertificate(origin, served, fetchTrusting(pem))).toEqual({
      state: 'verified',
      fingerprint: served,
    })
  })

  test('mismatch when the link names another one', async () => {
    const other = '0'.repeat(64)
    expect(await checkCertificate(origin, other, fetchTrusting(pem))).toEqual({
      state: 'mismatch',
      fingerprint: served,
      expected: other,
    })
  })

  test('unpinned without a fingerprint in the link; plain over http', async () => {
    expect((await checkCertificate(origin, null, fetchTrusting(pem))).state).toBe('unpinned')
    expect(await checkCertificate('http://127.0.0.1:9', served)).toEqual({ state: 'plain' })
  })

  test('an error in words when the certificate cannot be fetched', async () => {
    const check = await checkCertificate(origin, served, fetchTrusting(null))
    expect(check).toEqual({
      state: 'error',
      message: 'The certificate could not be fetched from the gateway.',
    })
  })
})

describe('trust steps', () => {
  test('name the fingerprint to compare and the setting each client reads', () => {
    const steps = trustSteps(origin, served)
    const text = steps.map((s) => `${s.intro}\n${s.code ?? ''}`).join('\n')
    expect(steps[0]!.intro).toContain(formatFingerprint(served))
    expect(text).toContain(`curl --cacert corral.pem ${origin}/api/version`)
    expect(text).toContain('SSL_CERT_FILE')
    expect(text).toContain('REQUESTS_CA_BUNDLE')
    expect(text).toContain('NODE_EXTRA_CA_CERTS')
    expect(text).toContain(`OPENAI_API_BASE_URL=${origin}/v1`)
    expect(steps.map((s) => s.id)).toEqual([
      'download',
      'trust-curl',
      'trust-python',
      'trust-node',
      'trust-open-webui',
      'trust-iphone',
      'trust-android',
    ])
  })
})
