// OpenSSH ed25519 public keys: the line in ~/.ollama/id_ed25519.pub, its SSH wire format
// (what the `ollama` CLI puts before the `:` of its Authorization header) and its
// fingerprint as `ssh-keygen -lf` prints it. Ollama writes the key with Go's
// ssh.MarshalAuthorizedKey (ollama cmd/cmd.go initializeKeypair, auth/auth.go).
import crypto from 'node:crypto'

const KEY_TYPE = 'ssh-ed25519'
/** uint32 length + "ssh-ed25519" + uint32 length + 32 key bytes (RFC 8709 §4). */
const WIRE_BYTES = 4 + KEY_TYPE.length + 4 + 32
/** base64 of the 51 wire bytes: 68 characters, no padding. */
const WIRE_BASE64 = /^[A-Za-z0-9+/]{68}$/
/** A pasted line is read up to this length; anything longer is not a public key. */
const MAX_LINE = 2000
const MAX_COMMENT = 100

export interface DevicePublicKey {
  /** base64 of the wire format, as in the .pub line and the Authorization header. */
  base64: string
  /** The 32 raw ed25519 key bytes. */
  raw: Buffer
  /** `SHA256:...` as ssh-keygen prints it. */
  fingerprint: string
  /** The .pub line's comment (user@host), control characters removed; '' when none. */
  comment: string
}

export class PublicKeyError extends Error {
  override name = 'PublicKeyError'
}

/** Read a pasted `ssh-ed25519 AAAA... comment` line; throws PublicKeyError saying what is wrong. */
export function parsePublicKeyLine(line: string): DevicePublicKey {
  if (typeof line !== 'string' || line.length > MAX_LINE) {
    throw new PublicKeyError('paste one line: the content of ~/.ollama/id_ed25519.pub')
  }
  const parts = line.trim().split(/\s+/)
  const [type, b64 = '', ...rest] = parts
  if (type !== KEY_TYPE) {
    throw new PublicKeyError(
      `expected an "ssh-ed25519 AAAA..." line (the content of ~/.ollama/id_ed25519.pub), got "${printable(type ?? '').slice(0, 20)}"`,
    )
  }
  const key = fromWireBase64(b64)
  if (key === null)
    throw new PublicKeyError('the key after "ssh-ed25519" is not a valid ed25519 key')
  return { ...key, comment: printable(rest.join(' ')).slice(0, MAX_COMMENT) }
}

/** The key in an Authorization header (base64 of the wire format); null when it is not one. */
export function fromWireBase64(b64: string): Omit<DevicePublicKey, 'comment'> | null {
  if (!WIRE_BASE64.test(b64)) return null
  const wire = Buffer.from(b64, 'base64')
  if (wire.length !== WIRE_BYTES) return null
  if (wire.readUInt32BE(0) !== KEY_TYPE.length) return null
  if (wire.toString('latin1', 4, 4 + KEY_TYPE.length) !== KEY_TYPE) return null
  if (wire.readUInt32BE(4 + KEY_TYPE.length) !== 32) return null
  const raw = Buffer.from(wire.subarray(WIRE_BYTES - 32))
  return { base64: b64, raw, fingerprint: fingerprintOf(wire) }
}

/** `SHA256:` + unpadded base64 of the SHA-256 of the wire format (ssh-keygen -l). */
export function fingerprintOf(wire: Buffer): string {
  return 'SHA256:' + crypto.hash('sha256', wire, 'base64').replace(/=+$/, '')
}

/** The wire format of a raw 32-byte ed25519 key. */
export function wireFormat(raw: Buffer): Buffer {
  const type = Buffer.from(KEY_TYPE)
  const out = Buffer.alloc(WIRE_BYTES)
  out.writeUInt32BE(type.length, 0)
  type.copy(out, 4)
  out.writeUInt32BE(32, 4 + type.length)
  raw.copy(out, WIRE_BYTES - 32)
  return out
}

/** A node:crypto key object to verify signatures with. */
export function verifierOf(raw: Buffer): crypto.KeyObject {
  return crypto.createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  })
}

/** The line stored in config.json: type and key, no comment. */
export function publicKeyLine(key: { base64: string }): string {
  return `${KEY_TYPE} ${key.base64}`
}

/** Printable ASCII only (a comment or a user agent is shown to the owner). */
export function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '').trim()
}
