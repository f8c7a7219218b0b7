// `corral cert [--pem]`: the LAN listener's certificate, to hand to clients that must trust
// it. From the running server when one runs, else from the data dir (a self-signed one is
// made there on first use, so it can be handed out before the first `corral serve`).
import fs from 'node:fs'
import { CliError, openStore, type CliContext } from './context.js'
import { serverFor } from './other-folder.js'
import type { Flags } from './keys.js'
import { describeCertificate, formatFingerprint, type CertificateInfo } from '../tls/certificate.js'
import { ensureSelfSigned } from '../tls/self-signed.js'
import { lanNames } from '../tls/lan-names.js'

export async function certCommand(ctx: CliContext, flags: Flags): Promise<void> {
  const pem = await servedPem(ctx)
  const info = describeCertificate(pem)
  if (flags.pem) return ctx.out(pem.trimEnd())
  if (ctx.json) return ctx.out(JSON.stringify({ ...info, pem }))
  ctx.out(describe(info).join('\n'))
}

async function servedPem(ctx: CliContext): Promise<string> {
  const server = await serverFor(ctx)
  if (server) return (await server.get<{ pem: string }>('/control/tls/certificate')).pem
  const store = openStore(ctx)
  const tls = store.current.server.tls
  store.close()
  if (tls.mode === 'off') {
    throw new CliError(
      'HTTPS is off: start with `corral serve --tls self-signed` (or set server.tls.mode).',
      3,
    )
  }
  if (tls.mode === 'files') {
    try {
      return fs.readFileSync(tls.certFile, 'utf8')
    } catch (err) {
      throw new CliError(`Cannot read ${tls.certFile}: ${(err as Error).message}`)
    }
  }
  return (await ensureSelfSigned(ctx.dataDir, lanNames(), Date.now())).cert
}

export function describe(info: CertificateInfo): string[] {
  return [
    `Certificate: ${info.subject}`,
    `  SHA-256 fingerprint: ${formatFingerprint(info.fingerprint)}`,
    `  Valid: ${info.notBefore} to ${info.notAfter}`,
    `  Names: ${[...info.dnsNames, ...info.ipAddresses].join(', ')}`,
    ``,
    `Print it for clients: corral cert --pem > corral.pem`,
    `  curl --cacert corral.pem ...   NODE_EXTRA_CA_CERTS=corral.pem   SSL_CERT_FILE=corral.pem`,
  ]
}
