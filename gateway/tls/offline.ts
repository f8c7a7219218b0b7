// The connect links the CLI prints while no server runs: the scheme and fingerprint the
// configured certificate will be served with (the stored self-signed one, or the owner's).
import fs from 'node:fs'
import type { Config } from '../config/schema.js'
import { lanUrls } from '../util/lan.js'
import { describeCertificate } from './certificate.js'
import { selfSignedFiles } from './self-signed.js'
import { connectFragment } from './status.js'

export function offlineConnectUrls(dataDir: string, config: Config, key: string): string[] {
  const { host, port, tls } = config.server
  if (tls.mode === 'off')
    return lanUrls(host, port).map((u) => `${u}/connect${connectFragment(key, null)}`)
  const file = tls.mode === 'files' ? tls.certFile : selfSignedFiles(dataDir).cert
  let fingerprint: string | null = null
  try {
    fingerprint = describeCertificate(fs.readFileSync(file, 'utf8')).fingerprint
  } catch {
    // Not made yet (first `corral serve` makes it) or unreadable: the link goes without it.
  }
  return lanUrls(host, port, 'https').map((u) => `${u}/connect${connectFragment(key, fingerprint)}`)
}
