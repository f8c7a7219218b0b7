// The self-signed certificate in the data dir: `tls/cert.pem` (public) and `tls/key.pem`
// (mode 0600). Made on first use; made again when it nears its end, cannot be read, or
// lacks one of this machine's current addresses (a laptop on a new network). The new one
// keeps every name the old one had, so clients that reach it by an old address still can.
import fs from 'node:fs'
import path from 'node:path'
import { writeFileAtomic } from '../util/atomic-file.js'
import {
  checkKeyMatches,
  describeCertificate,
  generateSelfSigned,
  type CertificateInfo,
  type CertificatePair,
} from './certificate.js'
import { missingNames, type LanNames } from './lan-names.js'

/** Renew this long before the end, so no client ever meets an expired certificate. */
export const RENEW_BEFORE_MS = 30 * 86_400_000
/** Names carried over from older certificates, at most (a laptop that saw many networks). */
const MAX_ADDRESSES = 64

export function selfSignedFiles(dataDir: string): { dir: string; cert: string; key: string } {
  const dir = path.join(dataDir, 'tls')
  return { dir, cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') }
}

export interface SelfSignedResult extends CertificatePair {
  info: CertificateInfo
  /** Why a new certificate was made, or null when the stored one was kept. */
  renewed: string | null
}

export async function ensureSelfSigned(
  dataDir: string,
  names: LanNames,
  now: number,
): Promise<SelfSignedResult> {
  const files = selfSignedFiles(dataDir)
  const stored = readStored(files)
  let reason: string
  if (stored.ok) {
    const { info } = stored
    const missing = missingNames(info, names)
    if (Date.parse(info.notAfter) - now < RENEW_BEFORE_MS) reason = `it ends on ${info.notAfter}`
    else if (Date.parse(info.notBefore) > now + 86_400_000) reason = 'it starts in the future'
    else if (missing.length > 0) reason = `it does not cover ${missing.join(', ')}`
    else return { ...stored.pair, info, renewed: null }
  } else {
    reason = stored.reason
  }
  const keep = stored.ok ? stored.info : { dnsNames: [], ipAddresses: [] }
  const pair = await generateSelfSigned({
    dnsNames: [...names.dnsNames, ...keep.dnsNames],
    ipAddresses: [...names.ipAddresses, ...keep.ipAddresses].slice(0, MAX_ADDRESSES),
    now,
  })
  fs.mkdirSync(files.dir, { recursive: true, mode: 0o700 })
  // The key first: a crash between the two writes leaves a pair that does not match, which
  // the next start notices and replaces, rather than a new certificate with an old key.
  writeFileAtomic(files.key, pair.key, 0o600)
  // Public, but in the user's private folder like the rest (issue 25: files at rest).
  writeFileAtomic(files.cert, pair.cert, 0o600)
  return { ...pair, info: describeCertificate(pair.cert), renewed: reason }
}

type Stored =
  { ok: true; pair: CertificatePair; info: CertificateInfo } | { ok: false; reason: string }

function readStored(files: { cert: string; key: string }): Stored {
  let pair: CertificatePair
  try {
    pair = { cert: fs.readFileSync(files.cert, 'utf8'), key: fs.readFileSync(files.key, 'utf8') }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return {
      ok: false,
      reason: code === 'ENOENT' ? 'there was none yet' : `it could not be read (${code})`,
    }
  }
  try {
    const info = describeCertificate(pair.cert)
    checkKeyMatches(pair)
    return { ok: true, pair, info }
  } catch (err) {
    return { ok: false, reason: `the stored one is unusable: ${(err as Error).message}` }
  }
}
