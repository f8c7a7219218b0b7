// Cheap probes into JSON text for the usage tap. The text is the raw bytes decoded as
// latin1 (one char per byte): decoding is a single native copy, the ASCII we look for
// keeps its place, and UTF-8 sequences never contain ASCII bytes, so a multi-byte
// character cannot fake a match. A probe looks for a key (with its quotes) and checks
// the first char of its value, so most frames are classified without parsing them. A
// key inside a JSON string cannot match: its quotes are escaped (`\"done\"`), so the
// char after `done` is `\`, not `"`.

const QUOTE = 0x22
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const LOWER_T = 0x74

/** A key as it appears in JSON text, quotes included. */
export const jsonKey = (name: string): string => `"${name}"`

export type ValueTest = (text: string, at: number) => boolean

const isSpace = (code: number): boolean =>
  code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d

/** Index of the first char of the value after the key ending at `from`, or -1. */
function valueStart(text: string, from: number): number {
  let i = from
  while (isSpace(text.charCodeAt(i))) i++
  if (text.charCodeAt(i) !== COLON) return -1
  i++
  while (isSpace(text.charCodeAt(i))) i++
  return i < text.length ? i : -1
}

/** Whether some occurrence of `key` has a value accepted by `test`. */
export function hasValue(text: string, key: string, test: ValueTest): boolean {
  let at = text.indexOf(key)
  while (at !== -1) {
    const value = valueStart(text, at + key.length)
    if (value !== -1 && test(text, value)) return true
    at = text.indexOf(key, at + key.length)
  }
  return false
}

/**
 * hasValue searching from the end. V8's forward search for a pattern that starts with a
 * quote is slow in quote-dense JSON; the keys that mark content sit near the end of
 * chat chunks, where a backward search finds them after a few dozen chars.
 */
export function hasValueFromEnd(text: string, key: string, test: ValueTest): boolean {
  let at = text.lastIndexOf(key)
  while (at !== -1) {
    const value = valueStart(text, at + key.length)
    if (value !== -1 && test(text, value)) return true
    if (at === 0) return false
    at = text.lastIndexOf(key, at - 1)
  }
  return false
}

export const isTrue: ValueTest = (text, at) => text.charCodeAt(at) === LOWER_T
export const isObject: ValueTest = (text, at) => text.charCodeAt(at) === OPEN_BRACE
export const isStringOrObject: ValueTest = (text, at) => {
  const code = text.charCodeAt(at)
  return code === QUOTE || code === OPEN_BRACE
}
/** A string with at least one character: `"x…"`, not `""`. */
export const isNonEmptyString: ValueTest = (text, at) =>
  text.charCodeAt(at) === QUOTE && at + 1 < text.length && text.charCodeAt(at + 1) !== QUOTE
/** An array with at least one element: `[x…`, not `[]`. */
export const isNonEmptyArray: ValueTest = (text, at) =>
  text.charCodeAt(at) === OPEN_BRACKET &&
  at + 1 < text.length &&
  text.charCodeAt(at + 1) !== CLOSE_BRACKET

/** Whether any of `keys` holds a non-empty string. */
export function carriesContent(text: string, keys: readonly string[]): boolean {
  for (const key of keys) if (hasValueFromEnd(text, key, isNonEmptyString)) return true
  return false
}

export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isSpace(text.charCodeAt(i))) return false
  return true
}

/** Latin1 text (raw bytes) back to the characters it encodes. */
export const utf8Of = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8')

/** JSON.parse of a complete document; undefined when truncated or not JSON. */
export function parseJson(utf8: string, truncated: boolean): unknown {
  if (truncated) return undefined
  try {
    return JSON.parse(utf8) as unknown
  } catch {
    return undefined
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A non-negative integer count, or null. */
export function countOf(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? Math.round(value)
    : null
}

const countPatterns = new Map<string, RegExp>()

/** The first `"name": <integer>` among `names`, in text that could not be parsed whole. */
export function scanCount(text: string, names: readonly string[]): number | null {
  const id = names.join('|')
  let pattern = countPatterns.get(id)
  if (pattern === undefined) {
    pattern = new RegExp(`"(?:${id})"\\s*:\\s*(\\d+)`)
    countPatterns.set(id, pattern)
  }
  const match = pattern.exec(text)
  return match?.[1] === undefined ? null : Number(match[1])
}

const ERROR_STRING = /"error"\s*:\s*"((?:[^"\\]|\\.)*)"/
const ERROR_MESSAGE = /"error"\s*:\s*\{[^]*?"message"\s*:\s*"((?:[^"\\]|\\.)*)"/

/** The message of `{"error":"…"}` or `{"error":{"message":"…"}}`, from a parsed value. */
export function errorOf(value: unknown): string | null {
  if (!isRecord(value)) return null
  const error = value.error
  if (typeof error === 'string') return error
  if (isRecord(error)) return typeof error.message === 'string' ? error.message : 'error'
  return null
}

/** The same as errorOf, from text that could not be parsed whole. */
export function scanError(text: string): string | null {
  const match = ERROR_STRING.exec(text) ?? ERROR_MESSAGE.exec(text)
  if (match?.[1] === undefined) return null
  try {
    return JSON.parse(`"${match[1]}"`) as string
  } catch {
    return match[1]
  }
}

/** A key as bytes, for the probes below. */
export const jsonKeyBytes = (name: string): Buffer => Buffer.from(jsonKey(name), 'latin1')

/** Whether `buf[start, end)` ends with `suffix`. */
export function endsWithBytes(buf: Buffer, start: number, end: number, suffix: Buffer): boolean {
  const from = end - suffix.length
  return from >= start && buf.compare(suffix, 0, suffix.length, from, end) === 0
}

/** Whether `buf[start, end)` starts with `prefix`. */
export function startsWithBytes(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  return (
    end - start >= prefix.length &&
    buf.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0
  )
}

/**
 * carriesContent on bytes, `buf[start, end)`: whether any of `keys` holds a non-empty
 * string, searched from the end (where chat chunks carry their text) by native search.
 */
export function carriesContentBytes(
  buf: Buffer,
  start: number,
  end: number,
  keys: readonly Buffer[],
): boolean {
  for (const key of keys) {
    let from = end - key.length
    while (from >= start) {
      const at = buf.lastIndexOf(key, from)
      if (at < start) break
      let i = at + key.length
      while (i < end && isSpace(buf[i]!)) i++
      if (buf[i] === COLON) {
        i++
        while (i < end && isSpace(buf[i]!)) i++
        if (i + 1 < end && buf[i] === QUOTE && buf[i + 1] !== QUOTE) return true
      }
      from = at - 1
    }
  }
  return false
}
