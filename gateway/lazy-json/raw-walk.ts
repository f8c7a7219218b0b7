// Walking JSON text that scanObject (scan.ts) has already found valid, by its bytes: the end
// of a value, the items of an array, the members of an object, and a string's length as
// JavaScript counts it. Nothing here checks the grammar again.

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
  i = space(buf, i + 1)
  while (i < buf.length && buf[i] !== 0x5d) {
    visit(i)
    i = space(buf, skipValue(buf, i))
    if (buf[i] === 0x2c) i = space(buf, i + 1)
  }
}

/**
 * Calls `visit` with the index of each member's name (its opening quote) and value, for the
 * object whose `{` is at `i`. nameIs() tells a name without decoding it.
 */
export function forEachMember(
  buf: Buffer,
  i: number,
  visit: (nameStart: number, valueStart: number) => void,
): void {
  i = space(buf, i + 1)
  while (i < buf.length && buf[i] !== 0x7d) {
    const nameEnd = skipString(buf, i)
    const valueStart = space(buf, space(buf, nameEnd) + 1)
    visit(i, valueStart)
    i = space(buf, skipValue(buf, valueStart))
    if (buf[i] === 0x2c) i = space(buf, i + 1)
  }
}

/**
 * Whether the member name whose opening quote is at `i` is `name` (ASCII) once decoded: its
 * bytes, or, when it has escapes (`"cont\u0065nt"`), its decoded text.
 */
export function nameIs(buf: Buffer, i: number, name: string): boolean {
  const end = i + 1 + name.length
  if (buf[end] === QUOTE) {
    let same = true
    for (let k = 0; k < name.length && same; k++) same = buf[i + 1 + k] === name.charCodeAt(k)
    if (same) return true
  }
  const nameEnd = skipString(buf, i)
  if (buf.indexOf(BACKSLASH, i) >= nameEnd || buf.indexOf(BACKSLASH, i) === -1) return false
  return JSON.parse(buf.toString('utf8', i, nameEnd)) === name
}

/**
 * The length JavaScript gives the string whose opening quote is at `i` (UTF-16 code units),
 * counted from the bytes: an escape is one unit, a character of four UTF-8 bytes two, and a
 * byte that is not valid UTF-8 one, as most of them decode to one U+FFFD.
 */
export function stringLength(buf: Buffer, i: number): number {
  const last = skipString(buf, i) - 1
  let n = 0
  for (let k = i + 1; k < last; k++) {
    const c = buf[k]!
    if (c < 0x80) {
      if (c === BACKSLASH) k += buf[k + 1] === 0x75 ? 5 : 1
      n++
    } else if (c >= 0xc0) n += c >= 0xf0 ? 2 : 1
  }
  return n
}

function isEnd(c: number): boolean {
  return (
    c === 0x2c || c === 0x7d || c === 0x5d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
  )
}

function space(buf: Buffer, i: number): number {
  while (i < buf.length) {
    const c = buf[i]!
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
    i++
  }
  return i
}
