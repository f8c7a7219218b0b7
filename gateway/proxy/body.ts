// Reading a client's request body: bounded, uncompressed, and parsed only as
// far as the gateway needs (the model name, the output cap).
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import { CorralError } from '../errors.js'
import { OPENAI_FIELDS } from '../key-options/merge.js'
import { JSON_TOO_DEEP_MESSAGE, MAX_JSON_DEPTH, jsonTooDeep } from '../untrusted/json-depth.js'
import { JsonScanError, scanObject } from '../lazy-json/scan.js'
import { lazyJsonBody } from '../lazy-json/lazy-body.js'
import { decompressZstd, type BodyEncoding } from './compressed-body.js'
import type { Exchange } from './exchange.js'
import type { RouteDef } from './routes.js'

/** Read a whole body, refusing (413) as soon as it passes `limit` bytes. */
export async function readBody(
  stream: Readable | undefined,
  declaredLength: string | undefined,
  limit: number,
): Promise<Buffer> {
  if (declaredLength !== undefined && Number(declaredLength) > limit) {
    if (stream) discardRest(stream)
    throw tooLarge(limit)
  }
  if (!stream) return Buffer.alloc(0)
  // Events rather than `for await`: an async iterator costs a promise per chunk, and
  // most bodies are one chunk.
  if (stream.readableEnded) return Buffer.alloc(0)
  return new Promise<Buffer>((resolve, reject) => {
    if (stream.destroyed) return reject(aborted())
    const chunks: Buffer[] = []
    let size = 0
    const cleanup = () => {
      stream.off('data', onData)
      stream.off('end', onEnd)
      stream.off('error', onError)
      stream.off('close', onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        cleanup()
        discardRest(stream)
        reject(tooLarge(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => {
      cleanup()
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    }
    const onError = (err: Error) => {
      cleanup()
      reject(err)
    }
    // A request cut short closes without 'end' (and, on newer Node, without an error).
    const onClose = () => {
      cleanup()
      reject(aborted())
    }
    stream.on('data', onData)
    stream.once('end', onEnd)
    stream.once('error', onError)
    stream.once('close', onClose)
  })
}

/** Past this much discarded after a 413, the sender is cut off (nginx's lingering close, bounded). */
export const DISCARD_MAX_BYTES = 64 * 1024 * 1024

/**
 * Read and drop the rest of a body that got 413. Closing the connection instead would
 * reset it under a client still sending (undici's "fetch failed", a broken pipe in
 * Python's requests) before it reads the answer; the connection stays usable after a
 * body that ends. A body that goes on past DISCARD_MAX_BYTES is cut, and one that
 * stalls is cut by the body timeouts (slow-bodies.ts).
 */
function discardRest(stream: Readable): void {
  const socket = (stream as Partial<IncomingMessage>).socket
  if (socket) lingerOnClose(socket, stream)
  let dropped = 0
  const onData = (chunk: Buffer) => {
    dropped += chunk.length
    if (dropped > DISCARD_MAX_BYTES) {
      stream.off('data', onData)
      stream.destroy()
    }
  }
  stream.on('data', onData)
  stream.once('end', () => stream.off('data', onData))
  stream.resume()
}

/** How long a lingering close waits for a client to stop sending. */
const LINGER_MS = 10_000

/**
 * When the answer is the connection's last (the client sent `Connection: close`), Node
 * ends it with socket.destroySoon(): FIN, then destroy, with the client's body still
 * arriving, which resets the connection and loses the answer on the client's side. A
 * lingering close instead, as nginx does: FIN, keep reading (the parser drops the rest
 * of the body), destroy when the body ends, the client closes, or LINGER_MS passes.
 */
function lingerOnClose(socket: Socket, body: Readable): void {
  const s = socket as Socket & { destroySoon?: () => void }
  if (typeof s.destroySoon !== 'function') return
  s.destroySoon = function lingeringClose(this: Socket) {
    if (this.writable) this.end()
    // Never before the answer has gone out (a destroy drops what is still buffered).
    const done = () =>
      this.writableFinished ? this.destroy() : this.once('finish', () => this.destroy())
    if (body.readableEnded) return done()
    body.once('end', done)
    body.once('close', done)
    this.once('end', done)
    setTimeout(done, LINGER_MS).unref()
  }
}

const aborted = () => Object.assign(new Error('the request was aborted'), { code: 'ECONNRESET' })

function tooLarge(limit: number): CorralError {
  return new CorralError('CORRAL_ERR_TOO_LARGE', {
    message: `request body is too large (limit ${limit} bytes)`,
  })
}

export type JsonBody = Record<string, unknown>

/**
 * From this size on, a body is checked by its bytes (lazy-json/) and only the members the
 * gateway reads are parsed. JSON.parse would first need the whole body as one string, and
 * from 64 K characters of text other than Latin-1 (128 KB as UTF-16) V8 maps fresh pages for
 * it: 1–3 ms a request. Below, JSON.parse is the faster of the two.
 */
export const LAZY_BODY_MIN_BYTES = 64 * 1024
/** A member shorter than this is parsed with the rest; a longer one only if it is read. */
const LAZY_MEMBER_MIN_BYTES = 1024

export function parseJsonBody(buf: Buffer): JsonBody {
  if (buf.length >= LAZY_BODY_MIN_BYTES) return scanJsonBody(buf)
  // Before parsing: what the gateway does with a parsed body recurses (untrusted/json-depth.ts).
  if (jsonTooDeep(buf))
    throw new CorralError('CORRAL_ERR_BAD_JSON', { message: JSON_TOO_DEEP_MESSAGE })
  let parsed: unknown
  try {
    parsed = JSON.parse(buf.toString('utf8'))
  } catch {
    throw new CorralError('CORRAL_ERR_BAD_JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CorralError('CORRAL_ERR_BAD_JSON', { message: NOT_AN_OBJECT })
  }
  checkFieldNames(parsed as JsonBody)
  return parsed as JsonBody
}

const NOT_AN_OBJECT = 'request body must be a JSON object'

/** parseJsonBody for a large body: the same answers, with what is only forwarded left unparsed. */
function scanJsonBody(buf: Buffer): JsonBody {
  let members
  try {
    members = scanObject(buf, MAX_JSON_DEPTH)
  } catch (err) {
    if (!(err instanceof JsonScanError)) throw err
    // As above: nesting is judged before the grammar, so the same body gets the same answer.
    if (err.failure === 'depth' || jsonTooDeep(buf)) {
      throw new CorralError('CORRAL_ERR_BAD_JSON', { message: JSON_TOO_DEEP_MESSAGE })
    }
    if (err.failure === 'not-object') {
      throw new CorralError('CORRAL_ERR_BAD_JSON', { message: NOT_AN_OBJECT })
    }
    throw new CorralError('CORRAL_ERR_BAD_JSON')
  }
  // No client writes thousands of top-level fields, and per member JSON.parse is cheaper
  // than a getter: such a body, valid as checked, is parsed whole.
  const body =
    members.length > MANY_MEMBERS
      ? (JSON.parse(buf.toString('utf8')) as JsonBody)
      : lazyJsonBody(buf, members, READ_FIELDS, LAZY_MEMBER_MIN_BYTES)
  checkFieldNames(body)
  return body
}

/** Top-level members beyond which a large body is parsed whole after all. */
const MANY_MEMBERS = 1000

/** Top-level fields the gateway reads to route a request and to apply a key's limits. */
const READ_FIELDS = new Set([
  'model',
  'modelfile',
  'name',
  'source',
  'destination',
  'from',
  'stream',
  'options',
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
  // Read and filled in by a key's model options (key-options/).
  'keep_alive',
  ...OPENAI_FIELDS,
])

/**
 * Ollama decodes bodies with Go's encoding/json, which matches a field name ignoring
 * case (Unicode-folded: `ſ` is `s`, the Kelvin sign is `k`) and lets the last match
 * win. Names that fold alike, or a folded spelling of a field read here (`Model`),
 * would be read one way by the model check and another way by the backend: refused.
 */
function checkFieldNames(body: JsonBody): void {
  const seen = new Set<string>()
  for (const key of Object.keys(body)) {
    const folded = /^[a-z0-9_]*$/.test(key) ? key : foldName(key)
    if (seen.has(folded) || (folded !== key && READ_FIELDS.has(folded))) {
      throw new CorralError('CORRAL_ERR_BAD_JSON', {
        message: `field "${key.slice(0, 40)}" clashes with another spelling of the same name; send each field once, in lower case`,
      })
    }
    seen.add(folded)
  }
}

function foldName(name: string): string {
  let out = ''
  for (const ch of name) {
    const upper = ch.toUpperCase()
    out += (upper.length === 1 ? upper : ch).toLowerCase()
  }
  return out
}

/** The model a request names: `model`, or Ollama's older `name` (pull, show, delete). */
export function modelOf(path: string, body: JsonBody): string | null {
  if (path === '/api/copy') return str(body.source)
  return str(body.model) ?? str(body.name)
}

/** The other model a request touches: a copy's destination (a create's: create-check.ts). */
export function otherModelsOf(path: string, body: JsonBody): string[] {
  return path === '/api/copy' ? listOf(str(body.destination)) : []
}

const listOf = (v: string | null): string[] => (v === null ? [] : [v])

/** Whether this request asks for a stream (Ollama streams unless told not to). */
export function wantsStream(body: JsonBody | null, streamDefault: boolean): boolean {
  if (!body || typeof body.stream !== 'boolean') return streamDefault
  return body.stream
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null
}

/**
 * A proxied request's body, as the pipeline checks it: none for GET and HEAD, a blob's
 * stream as it is, anything else read whole (at most `limit` bytes, zstd undone) and, unless
 * it is a multipart form, its JSON parsed as far as the checks need.
 */
export async function readRequestBody(
  ex: Exchange,
  route: RouteDef,
  encoding: BodyEncoding,
  limit: number,
): Promise<{ body: Buffer | Readable | null; json: JsonBody | null }> {
  const stream = ex.body
  if (ex.method === 'GET' || ex.method === 'HEAD') {
    stream?.resume()
    return { body: null, json: null }
  }
  // Blobs are model files: streamed straight through, never held in memory.
  if (route.kind === 'blob') return { body: stream ?? null, json: null }
  let buf = await readBody(stream, ex.headers['content-length'] as string | undefined, limit)
  if (encoding === 'zstd') {
    buf = decompressZstd(buf, limit)
    delete ex.headers['content-encoding'] // forwarded uncompressed, as Ollama reads it
  }
  if (buf.length === 0) {
    if (route.kind === 'model' || route.kind === 'manage') {
      throw new CorralError('CORRAL_ERR_BAD_REQUEST', { message: 'request body is empty' })
    }
    return { body: buf, json: null }
  }
  return { body: buf, json: route.multipart ? null : parseJsonBody(buf) }
}
