// X.509 for the LAN listener: make a self-signed certificate for this machine's LAN
// names and addresses (selfsigned, on @peculiar/x509: no hand-written ASN.1), and read
// what a PEM certificate says (fingerprint, validity, names) with node:crypto.
import crypto from 'node:crypto'
import net from 'node:net'

/** Apple refuses TLS server certificates valid for longer than 825 days, even user-trusted ones. */
export const SELF_SIGNED_VALIDITY_DAYS = 825

export interface CertificateInfo {
  /** SHA-256 of the certificate's DER, lowercase hex (64 characters, no colons). */
  fingerprint: string
  /** Base64 SHA-256 of the SubjectPublicKeyInfo (HPKP-style pin, Chromium's SPKI list). */
  spki: string
  subject: string
  notBefore: string
  notAfter: string
  /** DNS names and IP addresses the certificate is valid for. */
  dnsNames: string[]
  ipAddresses: string[]
}

export interface CertificatePair {
  cert: string
  key: string
}

/** What a certificate file looks like to a person, or a sentence saying why it cannot be read. */
export function describeCertificate(pem: string): CertificateInfo {
  if (!/-----BEGIN CERTIFICATE-----/.test(pem)) {
    throw new Error('it holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" line)')
  }
  let x509: crypto.X509Certificate
  try {
    x509 = new crypto.X509Certificate(pem)
  } catch (err) {
    throw new Error(`it is not a readable certificate (${(err as Error).message})`)
  }
  const spkiDer = x509.publicKey.export({ type: 'spki', format: 'der' })
  const { dnsNames, ipAddresses } = parseAltNames(x509.subjectAltName ?? '')
  return {
    fingerprint: crypto.createHash('sha256').update(x509.raw).digest('hex'),
    spki: crypto.createHash('sha256').update(spkiDer).digest('base64'),
    subject: x509.subject.replace(/\n/g, ', '),
    notBefore: new Date(x509.validFrom).toISOString(),
    notAfter: new Date(x509.validTo).toISOString(),
    dnsNames,
    ipAddresses,
  }
}

export { formatFingerprint } from './fingerprint.js'

/** A problem with a certificate's dates at `now`, or null when it is valid. */
export function validityProblem(info: CertificateInfo, now: number): string | null {
  if (Date.parse(info.notBefore) > now) return `it is not valid before ${info.notBefore}`
  if (Date.parse(info.notAfter) <= now) return `it expired on ${info.notAfter}`
  return null
}

/** Refuses a key that does not belong to the certificate (the TLS handshake would fail). */
export function checkKeyMatches(pair: CertificatePair): void {
  let key: crypto.KeyObject
  try {
    key = crypto.createPrivateKey(pair.key)
  } catch (err) {
    throw new Error(`the key file is not a readable private key (${(err as Error).message})`)
  }
  const cert = new crypto.X509Certificate(pair.cert)
  if (!cert.checkPrivateKey(key)) {
    throw new Error('the key file does not belong to the certificate')
  }
}

export interface SelfSignedOptions {
  /** DNS names: the host name, its `.local` name, the mDNS name, localhost. */
  dnsNames: string[]
  ipAddresses: string[]
  now: number
  validityDays?: number
}

/** An ECDSA P-256 certificate for a TLS server, signed by its own key. */
export async function generateSelfSigned(opts: SelfSignedOptions): Promise<CertificatePair> {
  const notBefore = new Date(opts.now - 60_000) // a minute of slack for clients with a slow clock
  const days = opts.validityDays ?? SELF_SIGNED_VALIDITY_DAYS
  const notAfter = new Date(opts.now + days * 86_400_000)
  const dns = [...new Set(opts.dnsNames.filter((n) => n.length > 0))]
  const ips = [...new Set(opts.ipAddresses.filter((a) => net.isIP(a) !== 0))]
  // Loaded on first use: @peculiar/x509 is large, and most starts reuse the stored certificate.
  const selfsigned = (await import('selfsigned')).default
  const pems = await selfsigned.generate([{ name: 'commonName', value: dns[0] ?? 'corral' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      // Not a CA: Firefox refuses a CA certificate used as a server's own.
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...dns.map((value) => ({ type: 2 as const, value })),
          ...ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  })
  return { cert: pems.cert, key: pems.private }
}

/** Node's `DNS:a, IP Address:1.2.3.4` → the two lists (IPv6 comes back expanded). */
function parseAltNames(text: string): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = []
  const ipAddresses: string[] = []
  for (const part of text.split(/,\s*/)) {
    if (part.startsWith('DNS:')) dnsNames.push(part.slice(4))
    else if (part.startsWith('IP Address:')) ipAddresses.push(compactIp(part.slice(11)))
  }
  return { dnsNames, ipAddresses }
}

function compactIp(ip: string): string {
  if (!ip.includes(':')) return ip
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1)
  } catch {
    return ip
  }
}
