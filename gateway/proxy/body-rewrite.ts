// A request body the gateway changed (a key's options, an output cap, stream_options) is
// written back by splicing: every member the gateway did not change keeps its original
// text, so a number JSON.parse cannot hold exactly (`"seed": 12345678901234567890`, any
// integer beyond 2^53) reaches Ollama as the client wrote it. Only the changed members are
// serialised anew. The text is known to be valid JSON (it was parsed before).

type Body = Record<string, unknown>

/** What the body looked like before it was changed: its members, and those of its objects. */
export interface BodySnapshot {
  top: Body
  nested: Map<string, Body>
}

const isPlainObject = (v: unknown): v is Body =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** A shallow copy of the body and of each object member (all the gateway changes in place). */
export function snapshotBody(body: Body): BodySnapshot {
  const nested = new Map<string, Body>()
  for (const [name, value] of Object.entries(body)) {
    if (isPlainObject(value)) nested.set(name, { ...value })
  }
  return { top: { ...body }, nested }
}

/** A digit run as long as 2^53's: the only numbers JSON.parse may not keep exactly. */
const LONG_NUMBER = /\d{16}/

/** The changed body as text: splices when the original holds a long number, else stringifies. */
export function rewriteBody(original: Buffer, before: BodySnapshot, after: Body): Buffer {
  const text = original.toString('utf8')
  if (!LONG_NUMBER.test(text)) return Buffer.from(JSON.stringify(after))
  const start = skipSpace(text, 0)
  return Buffer.from(spliceObject(text, start, before.top, after, before.nested))
}

function spliceObject(
  text: string,
  start: number,
  before: Body,
  after: Body,
  nested: Map<string, Body> | null,
): string {
  const spans = members(text, start)
  const parts: string[] = []
  for (const [name, value] of Object.entries(after)) {
    if (value === undefined) continue
    const span = spans.get(name)
    let out: string
    if (span === undefined || !Object.is(value, before[name])) {
      out = JSON.stringify(value)
    } else if (nested?.has(name) === true && text.charCodeAt(span[0]) === 0x7b) {
      out = spliceObject(text, span[0], nested.get(name)!, value as Body, null)
    } else {
      out = text.slice(span[0], span[1])
    }
    parts.push(`${JSON.stringify(name)}:${out}`)
  }
  return `{${parts.join(',')}}`
}

/** Each member of the object at `start`: name to the [start, end) of its value's text. */
function members(text: string, start: number): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>()
  let i = skipSpace(text, start + 1)
  while (i < text.length && text.charCodeAt(i) !== 0x7d) {
    const nameEnd = skipString(text, i)
    const name = JSON.parse(text.slice(i, nameEnd)) as string
    i = skipSpace(text, skipSpace(text, nameEnd) + 1) // past the colon
    const end = skipValue(text, i)
    spans.set(name, [i, end]) // a repeated name: the last one counts, as in JSON.parse
    i = skipSpace(text, end)
    if (text.charCodeAt(i) === 0x2c) i = skipSpace(text, i + 1)
  }
  return spans
}

function skipSpace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break
    i++
  }
  return i
}

/** Index just past the string starting at `i` (a quote). */
function skipString(text: string, i: number): number {
  let from = i + 1
  for (;;) {
    const quote = text.indexOf('"', from)
    if (quote === -1) return text.length
    let slashes = 0
    while (text.charCodeAt(quote - 1 - slashes) === 0x5c) slashes++
    if (slashes % 2 === 0) return quote + 1
    from = quote + 1
  }
}

/** Index just past the value starting at `i`. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i)
  if (c === 0x22) return skipString(text, i)
  if (c !== 0x7b && c !== 0x5b) {
    while (i < text.length && !',}] \t\n\r'.includes(text[i]!)) i++
    return i
  }
  let depth = 0
  while (i < text.length) {
    const d = text.charCodeAt(i)
    if (d === 0x22) {
      i = skipString(text, i)
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
