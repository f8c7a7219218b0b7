// Compressed request bodies. Codex CLI sends `Content-Encoding: zstd` bodies to /v1/responses,
// and Ollama decompresses zstd on its POST /v1 inference routes (ollama server/cloud_proxy.go
// cloudPassthroughMiddleware, middleware/openai.go ResponsesMiddleware), so Corral does too:
// the body is decompressed here, bounded by the body limit, and forwarded uncompressed (limits
// and the model check see the real bytes). Any other encoding, or zstd elsewhere, stays 415.
// Node 20's zlib has no zstd (22.15+ has), so this uses fzstd (pure JS).
import { Decompress } from 'fzstd'
import { CorralError } from '../errors.js'

/** The POST routes Ollama decompresses zstd on (routes.go: those behind cloudPassthroughMiddleware). */
const ZSTD_PATHS = new Set([
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
  '/v1/responses',
  '/v1/messages',
])

const ZSTD_MAGIC = 0xfd2fb528
/** Feed the decoder this much at a time, so a body past the limit stops early. */
const CHUNK_BYTES = 64 * 1024

export type BodyEncoding = 'identity' | 'zstd'

/** The body's encoding on this route; throws 415 for one Corral cannot read here. */
export function bodyEncoding(routePath: string, value: string | undefined): BodyEncoding {
  const v = (value ?? '').trim().toLowerCase()
  if (v === '' || v === 'identity') return 'identity'
  if (v === 'zstd' && ZSTD_PATHS.has(routePath)) return 'zstd'
  throw new CorralError('CORRAL_ERR_ENCODING')
}

const badZstd = (why: string): CorralError =>
  new CorralError('CORRAL_ERR_BAD_REQUEST', {
    message: `the zstd request body could not be decompressed (${why}); send it uncompressed or as valid zstd`,
  })

const tooLarge = (limit: number): CorralError =>
  new CorralError('CORRAL_ERR_TOO_LARGE', {
    message: `request body is too large once decompressed (limit ${limit} bytes)`,
  })

/**
 * The window the first frame asks the decoder to keep (RFC 8878 §3.1.1.1): refused before any
 * allocation when it is larger than the limit, so a tiny body cannot make a huge buffer.
 */
function checkWindow(buf: Buffer, limit: number): void {
  if (buf.length < 6 || buf.readUInt32LE(0) !== ZSTD_MAGIC) throw badZstd('not a zstd frame')
  const descriptor = buf[4]!
  const singleSegment = (descriptor & 0x20) !== 0
  if (singleSegment) {
    // The window is the content size; its field follows the dictionary id.
    const fcsBytes = [1, 2, 4, 8][descriptor >> 6]!
    const dictBytes = [0, 1, 2, 4][descriptor & 3]!
    const at = 5 + dictBytes
    if (buf.length < at + fcsBytes) throw badZstd('truncated frame header')
    const size =
      fcsBytes === 1
        ? buf[at]!
        : fcsBytes === 2
          ? buf.readUInt16LE(at) + 256
          : fcsBytes === 4
            ? buf.readUInt32LE(at)
            : Number(buf.readBigUInt64LE(at))
    if (size > limit) throw tooLarge(limit)
    return
  }
  const w = buf[5]!
  const base = 2 ** (10 + (w >> 3))
  if (base + (base / 8) * (w & 7) > Math.max(limit, 8 << 20)) throw tooLarge(limit)
}

/** Decompresses a zstd body, refusing (413) as soon as the output passes `limit` bytes. */
export function decompressZstd(buf: Buffer, limit: number): Buffer {
  checkWindow(buf, limit)
  const out: Buffer[] = []
  let size = 0
  const decoder = new Decompress((chunk) => {
    size += chunk.length
    if (size > limit) throw tooLarge(limit)
    out.push(Buffer.from(chunk))
  })
  try {
    for (let at = 0; at < buf.length; at += CHUNK_BYTES) {
      const end = Math.min(buf.length, at + CHUNK_BYTES)
      decoder.push(buf.subarray(at, end), end === buf.length)
    }
  } catch (err) {
    if (err instanceof CorralError) throw err
    throw badZstd(err instanceof Error ? err.message.slice(0, 100) : 'invalid data')
  }
  return Buffer.concat(out, size)
}
