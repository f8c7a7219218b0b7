// The `ollama` CLI's request signature, read as its Go client writes it (ollama
// api/client.go do() and stream(), auth/auth.go Sign()). With OLLAMA_AUTH=1 each request:
// - gets `?ts=<unix seconds>` (the URL's query, set with url.Values, so `ts=N` is all of it);
// - carries `Authorization: <base64 SSH wire-format public key>:<base64 signature>`, where the
//   signature is the 64-byte ed25519 signature (ssh.Signature.Blob, standard base64 with
//   padding) of the bytes `METHOD,PATH?ts=N`: PATH is the API path the client asked for
//   (`/api/chat`, `/` for its heartbeat), before its OLLAMA_HOST base path is joined.
// The body is not signed: anyone who sees a request on the wire can send another body
// with the same header within the time window (README, "Device keys").
import crypto from 'node:crypto'

/** `<68 base64 chars>:<88 base64 chars ending in ==>`. */
const SIGNED = /^([A-Za-z0-9+/]{68}):([A-Za-z0-9+/]{86}==)$/
const TS = /^[0-9]{1,12}$/

export interface SignedHeader {
  /** base64 of the public key's wire format. */
  key: string
  /** The 64 signature bytes. */
  signature: Buffer
  /** The signature as sent (the replay guard's key). */
  signatureText: string
}

/** Whether an Authorization header has the CLI's shape (never a Corral key: those start `crl_`). */
export function isSignedHeader(value: string | string[] | undefined): value is string {
  return typeof value === 'string' && value.length === 157 && SIGNED.test(value)
}

export function parseSignedHeader(value: string): SignedHeader | null {
  const m = SIGNED.exec(value)
  if (!m) return null
  return { key: m[1]!, signature: Buffer.from(m[2]!, 'base64'), signatureText: m[2]! }
}

/** The `ts` query parameter in seconds; null when absent, repeated or not a number. */
export function timestampOf(url: string): number | null {
  const q = url.indexOf('?')
  if (q === -1) return null
  let found: number | null = null
  for (const pair of url.slice(q + 1).split('&')) {
    if (!pair.startsWith('ts=')) continue
    if (found !== null) return null
    const v = pair.slice(3)
    if (!TS.test(v)) return null
    found = Number(v)
  }
  return found
}

/** The URL without its `ts` parameter: the backend never sees it. */
export function withoutTimestamp(url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const rest = url
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '' && !p.startsWith('ts='))
  return rest.length === 0 ? url.slice(0, q) : `${url.slice(0, q)}?${rest.join('&')}`
}

/** The bytes the CLI signs (api/client.go: fmt.Sprintf("%s,%s?ts=%s", method, path, now)). */
export function challenge(method: string, path: string, ts: number): Buffer {
  return Buffer.from(`${method},${path}?ts=${ts}`, 'utf8')
}

export function verifySignature(
  key: crypto.KeyObject,
  method: string,
  path: string,
  ts: number,
  signature: Buffer,
): boolean {
  if (signature.length !== 64) return false
  return crypto.verify(null, challenge(method, path, ts), key, signature)
}
