// Fingerprints as people compare them, and as the browser computes them (pure: tested alone).

/** `ab12…` → `AB:12:…` */
export function formatFingerprint(hex: string): string {
  return (hex.toUpperCase().match(/.{2}/g) ?? []).join(':')
}

/** The DER bytes of the first certificate in a PEM text, or null. */
export function pemToDer(pem: string): Uint8Array<ArrayBuffer> | null {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)
  if (!m?.[1]) return null
  try {
    const bin = atob(m[1].replace(/\s+/g, ''))
    return Uint8Array.from(bin, (c) => c.charCodeAt(0))
  } catch {
    return null
  }
}

/** SHA-256 of a certificate's DER, lowercase hex (WebCrypto: secure contexts only). */
export async function certificateFingerprint(pem: string): Promise<string | null> {
  const der = pemToDer(pem)
  if (!der || !globalThis.crypto?.subtle) return null
  const digest = await crypto.subtle.digest('SHA-256', der)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
