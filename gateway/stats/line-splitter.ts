// Byte-level helpers for the usage tap: a buffer that keeps only the head and tail of
// what it is given (so a huge line or body costs bounded memory), and a splitter that
// cuts a byte stream into lines, handed on as byte ranges: no string per line.

/** Bytes kept from the start of an overlong line or body. */
export const HEAD_BYTES = 4 * 1024
/** Bytes kept from the end of an overlong line or body. */
export const TAIL_BYTES = 32 * 1024
/** Joins head and tail of a truncated line; never valid inside JSON text. */
const GAP = Buffer.from([0])

export interface TakenBytes {
  bytes: Buffer
  /** The middle was dropped: `bytes` is head + NUL + tail and is not valid JSON. */
  truncated: boolean
}

/**
 * Collects bytes, keeping at most HEAD_BYTES + 2 × TAIL_BYTES at any moment: once that
 * is exceeded, only the first HEAD_BYTES and the last TAIL_BYTES are kept.
 */
export class BoundedBuffer {
  private head: Buffer | null = null
  private parts: Buffer[] = []
  private length = 0

  /** Bytes held now (at most 2 × HEAD_BYTES + 2 × TAIL_BYTES after any append). */
  get heldBytes(): number {
    return (this.head?.length ?? 0) + this.length
  }

  get isEmpty(): boolean {
    return this.length === 0 && this.head === null
  }

  /** Appends a copy of `piece` (the caller's buffer may be reused after this returns). */
  append(piece: Buffer): void {
    if (piece.length === 0) return
    this.parts.push(Buffer.from(piece))
    this.length += piece.length
    if (this.length > HEAD_BYTES + 2 * TAIL_BYTES) this.compact()
  }

  /** Returns what was collected and empties the buffer. */
  take(): TakenBytes {
    const head = this.head
    const body = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length)
    this.head = null
    this.parts = []
    this.length = 0
    if (head === null) return { bytes: body, truncated: false }
    return { bytes: Buffer.concat([head, GAP, body]), truncated: true }
  }

  private compact(): void {
    const all = Buffer.concat(this.parts, this.length)
    if (this.head === null) this.head = Buffer.from(all.subarray(0, HEAD_BYTES))
    const tail = Buffer.from(all.subarray(all.length - TAIL_BYTES))
    this.parts = [tail]
    this.length = tail.length
  }
}

/**
 * Receives one line as a byte range, `buf[start, end)` without its `\n` (nor a `\r`
 * before it). The bytes are valid during the call only: a consumer that keeps any must
 * copy them before the current `push` returns.
 */
export type LineHandler = (buf: Buffer, start: number, end: number, truncated: boolean) => void

const LF = 0x0a
const CR = 0x0d

/** The first `\n` in `buf[from, to)`, or -1 (a `\n` past `to` is another chunk's). */
function lineEnd(buf: Buffer, from: number, to: number): number {
  if (from >= to) return -1
  const at = buf.indexOf(LF, from)
  return at < to ? at : -1
}

/**
 * Splits a byte stream on `\n` (dropping a trailing `\r`), without copying or decoding
 * the lines that fit inside one chunk; a line that spans chunks is carried as bytes in a
 * BoundedBuffer.
 */
export class LineSplitter {
  private readonly carry = new BoundedBuffer()

  constructor(private readonly onLine: LineHandler) {}

  /** Takes `chunk[from, to)`; the bytes need only be valid during the call. */
  push(chunk: Buffer, from = 0, to = chunk.length): void {
    let start = from
    let newline = lineEnd(chunk, start, to)
    while (newline !== -1) {
      if (this.carry.isEmpty) {
        this.emit(chunk, start, newline, false)
      } else {
        this.carry.append(chunk.subarray(start, newline))
        const { bytes, truncated } = this.carry.take()
        this.emit(bytes, 0, bytes.length, truncated)
      }
      start = newline + 1
      newline = lineEnd(chunk, start, to)
    }
    if (start < to) this.carry.append(chunk.subarray(start, to))
  }

  /** Hands over the last line when the stream did not end with a newline. */
  end(): void {
    if (this.carry.isEmpty) return
    const { bytes, truncated } = this.carry.take()
    this.emit(bytes, 0, bytes.length, truncated)
  }

  private emit(buf: Buffer, start: number, end: number, truncated: boolean): void {
    this.onLine(buf, start, end > start && buf[end - 1] === CR ? end - 1 : end, truncated)
  }
}

/** A fresh flat copy, so a kept string does not pin the chunk it was sliced from. */
const detached = (text: string): string => Buffer.from(text, 'latin1').toString('latin1')

/** Latin1 text bounded like BoundedBuffer (the data lines of one SSE event). */
export class BoundedText {
  private head: string | null = null
  private parts: string[] = []
  private length = 0

  append(text: string): void {
    if (text.length === 0) return
    this.parts.push(text)
    this.length += text.length
    if (this.length > HEAD_BYTES + 2 * TAIL_BYTES) this.compact()
  }

  take(): { text: string; truncated: boolean } {
    const body = this.parts.length === 1 ? this.parts[0]! : this.parts.join('')
    const head = this.head
    this.head = null
    this.parts = []
    this.length = 0
    return head === null
      ? { text: body, truncated: false }
      : { text: `${head}\u0000${body}`, truncated: true }
  }

  private compact(): void {
    const all = this.parts.join('')
    this.head ??= detached(all.slice(0, HEAD_BYTES))
    this.parts = [detached(all.slice(-TAIL_BYTES))]
    this.length = TAIL_BYTES
  }
}
