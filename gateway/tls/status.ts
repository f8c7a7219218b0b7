// The `tls` part of `corral status --json`, the control API's status and the Settings view.
import type { TlsConfig } from '../config/schema.js'
import { validityProblem, type CertificateInfo } from './certificate.js'
import { formatFingerprint } from './fingerprint.js'
import type { TlsMaterial } from './source.js'

export interface TlsStatus {
  mode: TlsConfig['mode']
  /** What the gateway's LAN URLs speak right now. */
  scheme: 'https' | 'http'
  /** SHA-256 of the served certificate's DER, lowercase hex; null without HTTPS. */
  fingerprint: string | null
  certificate: (CertificateInfo & { source: TlsMaterial['source'] }) | null
  /** The plain HTTP port while one listens, else null. */
  plainPort: number | null
  /** The configured certificate cannot be used (HTTPS is down or serves an older one). */
  error: string | null
  /** Things the owner should know: keys sent unencrypted, a certificate about to end. */
  warnings: string[]
}

export const UNENCRYPTED_WARNING =
  'Keys are sent unencrypted: anyone on this network can read them. Turn on HTTPS (server.tls).'

export function plainPortWarning(port: number): string {
  return `Plain HTTP is on at port ${port}: keys sent there travel unencrypted; anyone on the network can read them.`
}

const SOON_MS = 14 * 86_400_000

export function tlsStatus(opts: {
  config: TlsConfig
  /** The certificate the HTTPS listener serves now, or null when it does not run. */
  served: TlsMaterial | null
  error: string | null
  plainPort: number | null
  now: number
}): TlsStatus {
  const { served, now } = opts
  const warnings: string[] = []
  if (opts.config.mode === 'off') warnings.push(UNENCRYPTED_WARNING)
  else if (opts.plainPort !== null) warnings.push(plainPortWarning(opts.plainPort))
  if (served) {
    const dates = validityProblem(served.info, now)
    if (dates) warnings.push(`The certificate served is not valid: ${dates}.`)
    else if (Date.parse(served.info.notAfter) - now < SOON_MS)
      warnings.push(`The certificate ends on ${served.info.notAfter}: replace it soon.`)
  }
  return {
    mode: opts.config.mode,
    scheme: served ? 'https' : 'http',
    fingerprint: served?.info.fingerprint ?? null,
    certificate: served ? { ...served.info, source: served.source } : null,
    plainPort: opts.plainPort,
    error: opts.error,
    warnings,
  }
}

/** `#key=...&fp=...`: the connect page checks the certificate against the fingerprint. */
export function connectFragment(key: string, fingerprint: string | null): string {
  const fp = fingerprint ? `&fp=${fingerprint}` : ''
  return `#key=${encodeURIComponent(key)}${fp}`
}

export { formatFingerprint }
