// A request body the gateway changed (a key's options, an output cap, stream_options) is
// written back by splicing: every member the gateway did not change keeps its original
// text, so a number JSON.parse cannot hold exactly (`"seed": 12345678901234567890`, any
// integer beyond 2^53) reaches Ollama as the client wrote it. Only the changed members are
// serialised anew. The text is known to be valid JSON (it was parsed before).

import { decodeName, forEachMember, skipSpace, skipValue } from '../lazy-json/raw-walk.js'
import {
  define,
  isLazyBody,
  isPlainObject,
  parsedAtRead,
  unreadMember,
  writtenMember,
} from '../lazy-json/lazy-body.js'

type Body = Record<string, unknown>

/** What the body looked like before it was changed: its members, and those of its objects. */
export interface BodySnapshot {
  top: Body
  nested: Map<string, Body>
}

/**
 * A shallow copy of the body and of each object member (all the gateway changes in place).
 * A member not parsed yet (lazy-json/lazy-body.ts) stays unparsed: it is left out here, and
 * rewriteBody copies its bytes unless something has read or set it since.
 */
export function snapshotBody(body: Body): BodySnapshot {
  const nested = new Map<string, Body>()
  const lazy = isLazyBody(body)
  const top: Body = lazy ? {} : { ...body }
  for (const name of Object.keys(body)) {
    if (lazy && unreadMember(body, name) !== null) continue
    const value = body[name]
    if (lazy) define(top, name, value)
    if (isPlainObject(value)) nested.set(name, { ...value })
  }
  return { top, nested }
}

/** A digit run as long as 2^53's: the only numbers JSON.parse may not keep exactly. */
const LONG_NUMBER = /\d{16}/

/** The changed body as text: splices when the original holds a long number, else stringifies. */
export function rewriteBody(original: Buffer, before: BodySnapshot, after: Body): Buffer {
  if (isLazyBody(after)) return rewriteLazy(original, before, after)
  // Digits are ASCII: Latin-1 finds them where they are, without decoding UTF-8.
  if (!LONG_NUMBER.test(original.toString('latin1'))) return Buffer.from(JSON.stringify(after))
  const start = skipSpace(original, 0)
  return Buffer.concat(spliceObject(original, start, before.top, after, before.nested))
}

/**
 * rewriteBody for a body parsed lazily (lazy-json/): a member nobody read is copied as
 * written. One read after the snapshot is judged against what its getter parsed, as the
 * snapshot would have judged it; the rest as in spliceObject.
 */
function rewriteLazy(original: Buffer, before: BodySnapshot, after: Body): Buffer {
  const parts: Buffer[] = [OPEN]
  for (const name of Object.keys(after)) {
    const unread = unreadMember(after, name)
    const value = unread === null ? after[name] : undefined
    if (unread === null && value === undefined) continue
    if (parts.length > 1) parts.push(COMMA)
    if (unread !== null) {
      parts.push(original.subarray(unread.member.nameStart, unread.member.valueEnd))
      continue
    }
    const written = writtenMember(after, name)
    const span: Span | undefined = written ? [written.valueStart, written.valueEnd] : undefined
    // Snapshotted, or read since: judged against what it was then.
    const parsed = parsedAtRead(after, name)
    const was: Was | null = Object.hasOwn(before.top, name)
      ? { value: before.top[name], inner: before.nested.get(name) }
      : parsed && { value: parsed.value, inner: parsed.copy ?? undefined }
    parts.push(...member(original, name, span, value, was))
  }
  parts.push(CLOSE)
  return Buffer.concat(parts)
}

type Span = [start: number, end: number]

/** The object at `buf[start]` as `after` has it, each unchanged member as it was written. */
function spliceObject(
  buf: Buffer,
  start: number,
  before: Body,
  after: Body,
  nested: Map<string, Body> | null,
): Buffer[] {
  const spans = members(buf, start)
  const parts: Buffer[] = [OPEN]
  for (const [name, value] of Object.entries(after)) {
    if (value === undefined) continue
    if (parts.length > 1) parts.push(COMMA)
    const was = Object.hasOwn(before, name)
      ? { value: before[name], inner: nested?.get(name) }
      : null
    parts.push(...member(buf, name, spans.get(name), value, was))
  }
  parts.push(CLOSE)
  return parts
}

/** What a member was before the change: its value, and a copy of its members if an object. */
interface Was {
  value: unknown
  inner: Body | undefined
}

/** One member: as written when unchanged, spliced when an object changed inside, else anew. */
function member(
  buf: Buffer,
  name: string,
  span: Span | undefined,
  value: unknown,
  was: Was | null,
): Buffer[] {
  const head = Buffer.from(`${JSON.stringify(name)}:`)
  if (span === undefined || was === null || !Object.is(value, was.value)) {
    return [head, Buffer.from(JSON.stringify(value))]
  }
  if (was.inner !== undefined && buf[span[0]] === 0x7b) {
    return [head, ...spliceObject(buf, span[0], was.inner, value as Body, null)]
  }
  return [head, buf.subarray(span[0], span[1])]
}

const OPEN = Buffer.from('{')
const COMMA = Buffer.from(',')
const CLOSE = Buffer.from('}')

/** Each member of the object at `start`: name to the [start, end) of its value's text. */
function members(buf: Buffer, start: number): Map<string, Span> {
  const spans = new Map<string, Span>()
  forEachMember(buf, start, (nameStart, nameEnd, valueStart) => {
    const name = decodeName(buf, nameStart, nameEnd)
    // A repeated name: the last one counts, as in JSON.parse.
    spans.set(name, [valueStart, skipValue(buf, valueStart)])
  })
  return spans
}
