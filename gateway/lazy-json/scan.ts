// One pass over a JSON body's bytes that checks it against the grammar (RFC 8259, as
// JSON.parse and Go's encoding/json read it) and finds where each top-level member's value
// starts and ends, without turning the body into a string. A large chat (a long conversation,
// base64 images) decoded whole costs milliseconds: beyond 128 KB of string V8 allocates a
// page-mapped object per request, and a burst of them keeps the garbage collector busy. With
// the members' places known, the gateway parses only the members it reads (lazy-body.ts).

import { decodeName, skipSpace } from './raw-walk.js'

/** Why a body was refused: not JSON, nested too deep, or JSON but not an object. */
export type ScanFailure = 'syntax' | 'depth' | 'not-object'

export class JsonScanError extends Error {
  constructor(readonly failure: ScanFailure) {
    super(`JSON body refused: ${failure}`)
  }
}

/** A top-level member: its name, decoded, and the bytes of its name and of its value. */
export interface Member {
  readonly name: string
  /** The opening quote of the name. */
  readonly nameStart: number
  readonly valueStart: number
  /** Just past the value. */
  readonly valueEnd: number
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * The members of the JSON object in `buf`, in the order they are written (a repeated name is
 * listed each time; the last one counts, as in JSON.parse). Throws JsonScanError when `buf` is
 * not valid JSON ('syntax'), nests deeper than `maxDepth` ('depth'), or is valid JSON but not
 * an object ('not-object'). Exactly the texts JSON.parse accepts are accepted
 * (test/lazy-json/scan.test.ts compares the two on random and broken bodies).
 */
export function scanObject(buf: Buffer, maxDepth: number): Member[] {
  const s = new Scanner(buf, maxDepth)
  let i = s.space(0)
  const members: Member[] = []
  if (buf[i] !== 0x7b) {
    i = s.value(i, 0)
    if (s.space(i) !== buf.length) throw new JsonScanError('syntax')
    throw new JsonScanError('not-object')
  }
  i = s.object(i, 1, members)
  if (s.space(i) !== buf.length) throw new JsonScanError('syntax')
  return members
}

class Scanner {
  constructor(
    private readonly buf: Buffer,
    private readonly maxDepth: number,
  ) {}

  space(i: number): number {
    return skipSpace(this.buf, i)
  }

  /** Just past the value at `i`; `depth` is the nesting it sits in. */
  value(i: number, depth: number): number {
    const c = this.buf[i]
    if (c === QUOTE) return this.string(i)
    if (c === 0x7b) return this.object(i, depth + 1, null)
    if (c === 0x5b) return this.array(i, depth + 1)
    if (c === 0x74) return this.literal(i, TRUE)
    if (c === 0x66) return this.literal(i, FALSE)
    if (c === 0x6e) return this.literal(i, NULL)
    return this.number(i)
  }

  /** `{` at `i`; members are collected only for the top level. */
  object(i: number, depth: number, members: Member[] | null): number {
    if (depth > this.maxDepth) throw new JsonScanError('depth')
    const buf = this.buf
    i = this.space(i + 1)
    if (buf[i] === 0x7d) return i + 1
    for (;;) {
      if (buf[i] !== QUOTE) throw new JsonScanError('syntax')
      const nameStart = i
      const nameEnd = this.string(i)
      i = this.space(nameEnd)
      if (buf[i] !== 0x3a) throw new JsonScanError('syntax')
      const valueStart = this.space(i + 1)
      const valueEnd = this.value(valueStart, depth)
      if (members !== null) {
        members.push({ name: decodeName(buf, nameStart, nameEnd), nameStart, valueStart, valueEnd })
      }
      i = this.space(valueEnd)
      const c = buf[i]
      if (c === 0x7d) return i + 1
      if (c !== 0x2c) throw new JsonScanError('syntax')
      i = this.space(i + 1)
    }
  }

  array(i: number, depth: number): number {
    if (depth > this.maxDepth) throw new JsonScanError('depth')
    const buf = this.buf
    i = this.space(i + 1)
    if (buf[i] === 0x5d) return i + 1
    for (;;) {
      i = this.space(this.value(i, depth))
      const c = buf[i]
      if (c === 0x5d) return i + 1
      if (c !== 0x2c) throw new JsonScanError('syntax')
      i = this.space(i + 1)
    }
  }

  /** The string whose opening quote is at `i`: no raw control character, known escapes only. */
  string(i: number): number {
    const buf = this.buf
    i++
    for (;;) {
      // Most of a long string is plain text: jump to the next quote, then check what was jumped.
      const quote = buf.indexOf(QUOTE, i)
      if (quote === -1) throw new JsonScanError('syntax')
      while (i < quote) {
        const c = buf[i++]!
        if (c > BACKSLASH) continue
        if (c < 0x20) throw new JsonScanError('syntax')
        if (c === BACKSLASH) i = this.escape(i - 1) + 1
      }
      if (i === quote) return quote + 1
      // Past the quote: it was escaped (`\"`), so the string goes on after it.
    }
  }

  /** The escape at `i` (a backslash); returns its last byte's index. */
  private escape(i: number): number {
    const c = this.buf[i + 1]
    if (c === 0x75 /* u */) {
      for (let k = i + 2; k < i + 6; k++) {
        if (!isHex(this.buf[k])) throw new JsonScanError('syntax')
      }
      return i + 5
    }
    if (c === undefined || !SIMPLE_ESCAPES.has(c)) throw new JsonScanError('syntax')
    return i + 1
  }

  private literal(i: number, word: readonly number[]): number {
    for (let k = 0; k < word.length; k++) {
      if (this.buf[i + k] !== word[k]) throw new JsonScanError('syntax')
    }
    return i + word.length
  }

  /** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` */
  private number(i: number): number {
    const buf = this.buf
    if (buf[i] === 0x2d) i++
    if (buf[i] === 0x30) i++
    else if (isDigit(buf[i])) while (isDigit(buf[i])) i++
    else throw new JsonScanError('syntax')
    if (buf[i] === 0x2e) {
      i++
      if (!isDigit(buf[i])) throw new JsonScanError('syntax')
      while (isDigit(buf[i])) i++
    }
    if (buf[i] === 0x65 || buf[i] === 0x45) {
      i++
      if (buf[i] === 0x2b || buf[i] === 0x2d) i++
      if (!isDigit(buf[i])) throw new JsonScanError('syntax')
      while (isDigit(buf[i])) i++
    }
    return i
  }
}

const TRUE = [0x74, 0x72, 0x75, 0x65]
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65]
const NULL = [0x6e, 0x75, 0x6c, 0x6c]
/** `"` `\` `/` `b` `f` `n` `r` `t` */
const SIMPLE_ESCAPES: ReadonlySet<number> = new Set([
  0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74,
])

const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39
const isHex = (c: number | undefined) =>
  c !== undefined &&
  ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
