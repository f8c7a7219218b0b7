// server/cloud_proxy.go cloudPassthroughMiddleware: zstd request bodies on POST /v1 routes.
import { decompress as zstdDecompress } from 'fzstd'
import type { Ctx } from './types.js'
import { ollamaError } from './respond.js'
import { parseBody } from './util.js'

/** middleware/openai.go and server/cloud_proxy.go maxDecompressedBodySize. */
const MAX_DECOMPRESSED_BYTES = 20 << 20

/**
 * server/cloud_proxy.go cloudPassthroughMiddleware (on every POST /v1 inference route):
 * a zstd body is decompressed, at most 20 MiB. False when it answered 400.
 */
export function decompressBody(c: Ctx): boolean {
  const zstdRoute =
    c.path.startsWith('/v1/') && c.rec.method === 'POST' && !c.path.startsWith('/v1/audio/')
  if (!zstdRoute || c.req.headers['content-encoding'] !== 'zstd') return true
  const raw = Buffer.isBuffer(c.body) ? c.body : Buffer.alloc(0)
  let out: Buffer
  try {
    out = Buffer.from(zstdDecompress(raw))
  } catch {
    ollamaError(c, 400, 'failed to decompress request body')
    return false
  }
  if (out.length > MAX_DECOMPRESSED_BYTES) {
    ollamaError(c, 400, 'http: request body too large')
    return false
  }
  c.body = c.rec.body = parseBody(out, c.path)
  return true
}
