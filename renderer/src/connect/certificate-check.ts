// The connect page's certificate check: the fingerprint the QR code carries (`#...&fp=`)
// against the SHA-256 of the certificate the gateway offers, before the key is sent.
import { certificateFingerprint } from '../security/fingerprint.js'

export type CertCheck =
  | { state: 'checking' }
  /** The page came over plain HTTP: there is no certificate, and keys travel unencrypted. */
  | { state: 'plain' }
  | { state: 'verified'; fingerprint: string }
  /** Opened without a fingerprint in the link: compare with the owner's screen. */
  | { state: 'unpinned'; fingerprint: string }
  | { state: 'mismatch'; fingerprint: string; expected: string }
  | { state: 'error'; message: string }

/** `#key=...&fp=<64 hex>` → the fingerprint, lowercase, or null. */
export function fingerprintFromHash(hash: string): string | null {
  const m = /(?:^#|&)fp=([0-9a-fA-F:]+)/.exec(hash)
  const hex = m?.[1]?.replace(/:/g, '').toLowerCase() ?? ''
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null
}

export async function checkCertificate(
  origin: string,
  expected: string | null,
  fetchFn: typeof fetch = fetch,
): Promise<CertCheck> {
  if (!origin.startsWith('https:')) return { state: 'plain' }
  let pem: string
  try {
    const res = await fetchFn(`${origin}/connect/cert.pem`, {
      credentials: 'omit',
    })
    if (!res.ok)
      return { state: 'error', message: `The gateway offered no certificate (${res.status}).` }
    pem = await res.text()
  } catch {
    return { state: 'error', message: 'The certificate could not be fetched from the gateway.' }
  }
  const fingerprint = await certificateFingerprint(pem)
  if (!fingerprint)
    return { state: 'error', message: 'The gateway’s certificate could not be read.' }
  if (!expected) return { state: 'unpinned', fingerprint }
  return fingerprint === expected
    ? { state: 'verified', fingerprint }
    : { state: 'mismatch', fingerprint, expected }
}
