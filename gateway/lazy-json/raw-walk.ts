// Walking JSON text that scanObject (scan.ts) has already found valid, by its bytes: the end
// of a value, the items of an array, the members of an object, and a string's length as
// JavaScript counts it. Nothing here checks the grammar again.

import { isUtf8 } from 'node:buffer'

const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Just past the string whose opening quote is at `i`. */
export function skipString(buf: Buffer, i: number): number {
  let from = i + 1
  for (;;) {
    const quote = buf.indexOf(QUOTE, from)
    if (quote === -1) return buf.length
    let slashes = 0
    while (buf[quote - 1 - slashes] === BACKSLASH) slashes++
    if (slashes % 2 === 0) return quote + 1
    from = quote + 1
  }
}

/** Just past the value at `i`. */
export function skipValue(buf: Buffer, i: number): number {
  const c = buf[i]
  if (c === QUOTE) return skipString(buf, i)
  if (c !== 0x7b && c !== 0x5b) {
    while (i < buf.length && !isEnd(buf[i]!)) i++
    return i
  }
  let depth = 0
  while (i < buf.length) {
    const d = buf[i]!
    if (d === QUOTE) {
      i = skipString(buf, i)
      continue
    }
    if (d === 0x7b || d === 0x5b) depth++
    else if (d === 0x7d || d === 0x5d) {
      depth--
      if (depth === 0) return i + 1
    }
    i++
  }
  return i
}

/** Calls `visit` with the start of each item of the array whose `[` is at `i`. */
export function forEachItem(buf: Buffer, i: number, visit: (start: number) => void): void {
  i = skipSpace(buf, i + 1)
  while (i < buf.length && buf[i] !== 0x5d) {
    visit(i)
    i = skipSpace(buf, skipValue(buf, i))
    if (buf[i] === 0x2c) i = skipSpace(buf, i + 1)
  }
}

/**
 * Calls `visit` with the bytes of each member's name (its quotes included) and the index of
 * its value, for the object whose `{` is at `i`. nameIs() tells a name without decoding it.
 */
export function forEachMember(
  buf: Buffer,
  i: number,
  visit: (nameStart: number, nameEnd: number, valueStart: number) => void,
): void {
  i = skipSpace(buf, i + 1)
  while (i < buf.length && buf[i] !== 0x7d) {
    const nameEnd = skipString(buf, i)
    const valueStart = skipSpace(buf, skipSpace(buf, nameEnd) + 1)
    visit(i, nameEnd, valueStart)
    i = skipSpace(buf, skipValue(buf, valueStart))
    if (buf[i] === 0x2c) i = skipSpace(buf, i + 1)
  }
}

/**
 * Whether the member name `buf[start, end)` (quotes included) is `name` (ASCII) once decoded:
 * by its bytes, or, only when it has an escape (`"cont\u0065nt"`), by its decoded text. Looks
 * at the name's own bytes and no further, so a walk over many members stays linear.
 */
export function nameIs(buf: Buffer, start: number, end: number, name: string): boolean {
  if (end - start === name.length + 2) {
    let k = 0
    while (k < name.length && buf[start + 1 + k] === name.charCodeAt(k)) k++
    if (k === name.length) return true
  }
  // indexOf would search on past the name, to the end of the body: a loop over the name.
  let escaped = false
  for (let k = start + 1; k < end - 1 && !escaped; k++) escaped = buf[k] === BACKSLASH
  return escaped && decodeName(buf, start, end) === name
}

/** The member name `buf[start, end)` (quotes included), decoded as JSON.parse decodes it. */
export function decodeName(buf: Buffer, start: number, end: number): string {
  return JSON.parse(buf.toString('utf8', start, end)) as string
}

/**
 * The length JavaScript gives the string whose opening quote is at `i` (UTF-16 code units),
 * as JSON.parse(buf.toString()) makes it, counted from the bytes: an escape is one unit, a
 * character of four UTF-8 bytes two. Bytes that are not valid UTF-8 decode to one U+FFFD
 * each, or several together, as the decoder decides: such a string is decoded to count it,
 * so that no spelling of a prompt is counted short.
 */
export function stringLength(buf: Buffer, i: number): number {
  const last = skipString(buf, i) - 1
  let n = 0
  let high = false
  for (let k = i + 1; k < last; k++) {
    const c = buf[k]!
    if (c < 0x80) {
      if (c === BACKSLASH) k += buf[k + 1] === 0x75 ? 5 : 1
      n++
    } else {
      high = true
      if (c >= 0xc0) n += c >= 0xf0 ? 2 : 1
    }
  }
  if (high && !isUtf8(buf.subarray(i + 1, last))) {
    return (JSON.parse(buf.toString('utf8', i, last + 1)) as string).length
  }
  return n
}

function isEnd(c: number): boolean {
  return (
    c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
  )
}

/** Past the JSON whitespace (space, tab, CR, LF) from `i`. */
export function skipSpace(buf: Buffer, i: number): number {
  while (i < buf.length) {
    const c = buf[i]!
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
    i++
  }
  return i
}
