// The HTTP/1.1 a relay needs to speak to a backend (RFC 9112): the request head it
// writes, the response head it reads, and a chunked-body reader that finds where a
// message ends without copying its bytes. The reader can also hand the bytes on
// still framed (`raw`), so a stream passes to the client socket as the backend
// framed it: one scan and one write per read, no decoding and no framing again.
import type { IncomingHttpHeaders } from 'node:http'

/** A response head longer than this is refused (Node's and undici's default is 16 KiB). */
export const MAX_HEAD_BYTES = 64 * 1024
const CR = 0x0d
const LF = 0x0a
const SEMICOLON = 0x3b
const HEAD_END = Buffer.from('\r\n\r\n')

/** A malformed answer: the codes mirror llhttp's, so errors read the same as before. */
export class ParseError extends Error {
  readonly code = 'HPE_INVALID'
}

export interface ResponseHead {
  status: number
  headers: IncomingHttpHeaders
  /** Bytes of the head, blank line included. */
  length: number
  /** The connection may carry another request after this answer (HTTP/1.1, no `close`). */
  keepAlive: boolean
  /** The `Keep-Alive: timeout=N` hint, in ms, or null. */
  keepAliveHintMs: number | null
}

/** Where the response head ends in `buf` (after the blank line), or -1 if it has not yet. */
export function headEnd(buf: Buffer): number {
  const at = buf.indexOf(HEAD_END)
  if (at === -1) {
    if (buf.length > MAX_HEAD_BYTES) throw new ParseError('response head too large')
    return -1
  }
  return at + 4
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Parses the head `buf[0, end)`; names lowercased, repeats joined as Node joins them. */
export function parseHead(buf: Buffer, end: number): ResponseHead {
  const lines = buf.toString('latin1', 0, end - 4).split('\r\n')
  const status = STATUS_LINE.exec(lines[0]!)
  if (status === null) throw new ParseError('not an HTTP/1.x status line')
  const headers: IncomingHttpHeaders = {}
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    const colon = line.indexOf(':')
    const name = line.slice(0, colon).toLowerCase()
    if (colon <= 0 || !TOKEN.test(name)) throw new ParseError('malformed header line')
    const value = line.slice(colon + 1).trim()
    const had = headers[name]
    if (had === undefined) headers[name] = name === 'set-cookie' ? [value] : value
    else if (Array.isArray(had)) had.push(value)
    else if (name === 'content-length' && had !== value) {
      throw new ParseError('conflicting content-length')
    } else if (name !== 'content-length') headers[name] = `${had}, ${value}`
  }
  const connection = headers.connection?.toLowerCase() ?? ''
  const hint = /timeout=(\d+)/i.exec(String(headers['keep-alive'] ?? ''))
  return {
    status: Number(status[2]),
    headers,
    length: end,
    keepAlive: status[1] === '1' && !connection.includes('close'),
    keepAliveHintMs: hint === null ? null : Number(hint[1]) * 1000,
  }
}

export type Framing = 'none' | 'length' | 'chunked' | 'close'

/** How the body after a head is delimited (RFC 9112 §6.3). */
export function framingOf(method: string, head: ResponseHead): Framing {
  const s = head.status
  if (method === 'HEAD' || s === 204 || s === 304 || (s >= 100 && s < 200)) return 'none'
  const te = head.headers['transfer-encoding']
  if (te !== undefined) return /(?:^|,)\s*chunked\s*$/i.test(te) ? 'chunked' : 'close'
  const length = head.headers['content-length']
  if (length === undefined) return 'close'
  if (!/^\d+$/.test(length)) throw new ParseError('malformed content-length')
  return Number(length) === 0 ? 'none' : 'length'
}

/** Where a ChunkedReader sends what it reads. */
export interface ChunkSink {
  /** Body bytes, unframed: `buf[start, end)`. */
  data(buf: Buffer, start: number, end: number): void
  /** Raw mode: framed bytes to pass on as they are, `buf[start, end)`. */
  raw(buf: Buffer, start: number, end: number): void
  /** Raw mode: a chunk-size line that began in an earlier read, to write again (`size`). */
  sizeLine(size: number): void
}

const enum S {
  Size,
  Ext,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
  TrailerLine,
  TrailerLf,
}

/** Hex digits of a chunk size at most (16 × 4 bits would overflow a double's integers). */
const MAX_SIZE_DIGITS = 12
/** Bytes of chunk extensions or trailers accepted at most. */
const MAX_LINE_BYTES = 16 * 1024

/**
 * A chunked body read as it arrives. In raw mode every framed byte is handed on except
 * the last chunk and the trailers (the relay ends the client's body itself) and a size
 * line split across reads, which is held back until complete and then written again, so
 * what was passed on always ends inside a chunk's data or at a chunk boundary.
 */
export class ChunkedReader {
  private state = S.Size
  private size = 0
  private digits = 0
  private left = 0
  private lineBytes = 0
  /** Where the current size line began in this read; -1 when it began in an earlier one. */
  private lineStart = -1

  constructor(private readonly rawMode: boolean) {}

  /** Whether what was passed on so far ends at a chunk boundary (raw mode). */
  get atBoundary(): boolean {
    return this.state === S.Size || this.state === S.Ext || this.state === S.SizeLf
  }

  /** Reads `buf` from `from`; returns the index just past the body's end, or -1 for more. */
  feed(buf: Buffer, from: number, sink: ChunkSink): number {
    let i = from
    let rawFrom = from
    if (this.state === S.Size && this.digits === 0) this.lineStart = i
    const n = buf.length
    while (i < n) {
      const c = buf[i]!
      switch (this.state) {
        case S.Size: {
          const d = hexValue(c)
          if (d >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS) throw new ParseError('chunk size too large')
            this.size = this.size * 16 + d
          } else if (c === SEMICOLON || c === 0x20 || c === 0x09) this.state = S.Ext
          else if (c === CR) this.state = S.SizeLf
          else throw new ParseError('malformed chunk size')
          i++
          break
        }
        case S.Ext:
          if (c === CR) this.state = S.SizeLf
          else if (++this.lineBytes > MAX_LINE_BYTES) throw new ParseError('chunk extension')
          i++
          break
        case S.SizeLf: {
          if (c !== LF || this.digits === 0) throw new ParseError('malformed chunk size line')
          i++
          const size = this.size
          const pending = this.lineStart === -1
          this.size = 0
          this.digits = 0
          this.lineBytes = 0
          if (size === 0) {
            if (this.rawMode && !pending && this.lineStart > rawFrom) {
              sink.raw(buf, rawFrom, this.lineStart)
            }
            rawFrom = n
            this.state = S.Trailer
          } else {
            if (this.rawMode && pending) {
              sink.sizeLine(size)
              rawFrom = i
            }
            this.left = size
            this.state = S.Data
          }
          break
        }
        case S.Data: {
          const end = Math.min(n, i + this.left)
          sink.data(buf, i, end)
          this.left -= end - i
          i = end
          if (this.left === 0) this.state = S.DataCr
          break
        }
        case S.DataCr:
          if (c !== CR) throw new ParseError('chunk longer than its size')
          this.state = S.DataLf
          i++
          break
        case S.DataLf:
          if (c !== LF) throw new ParseError('chunk longer than its size')
          i++
          this.state = S.Size
          this.lineStart = i
          break
        case S.Trailer:
          this.state = c === CR ? S.TrailerLf : S.TrailerLine
          i++
          break
        case S.TrailerLine:
          if (c === LF) this.state = S.Trailer
          else if (++this.lineBytes > MAX_LINE_BYTES) throw new ParseError('trailer too large')
          i++
          break
        case S.TrailerLf:
          if (c !== LF) throw new ParseError('malformed trailer')
          return i + 1
      }
    }
    if (this.rawMode && rawFrom < n && this.state < S.Trailer) {
      // A size line still being read is held back: it is written again once complete.
      const upTo = this.atBoundary ? Math.max(rawFrom, this.lineStart) : n
      if (upTo > rawFrom) sink.raw(buf, rawFrom, upTo)
    }
    if (this.atBoundary) this.lineStart = -1
    return -1
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1
}

/** The request head, as latin1 text. Header values come validated from Node's parser. */
export function requestHead(
  method: string,
  path: string,
  host: string,
  headers: Record<string, string | string[]>,
): string {
  if (/[\r\n\s]/.test(path)) throw new ParseError('invalid request path')
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`
  for (const name in headers) {
    const value = headers[name]!
    if (typeof value === 'string') head += `${name}: ${value}\r\n`
    else for (const v of value) head += `${name}: ${v}\r\n`
  }
  return head + '\r\n'
}
