// A request body as an object whose large members are parsed only when something reads them.
// Reading or setting a member behaves exactly as on JSON.parse's object (a getter parses it
// once and turns into a plain value); Object.keys, `in` and the key order are JSON.parse's too.
// What never reads a member (the gateway forwards `messages` as the client wrote it) never
// pays for it: the prompt estimate counts its text from the bytes (raw-walk.ts) and a rewrite
// copies its bytes (proxy/body-rewrite.ts).
import type { Member } from './scan.js'

export type JsonObject = Record<string, unknown>

interface Raw {
  readonly buf: Buffer
  /** Each name's member; a repeated name's last one, which is the one that counts. */
  readonly members: ReadonlyMap<string, Member>
  /** What each getter parsed, and a shallow copy of it if an object, as a snapshot would. */
  readonly parsed: Map<string, ParsedMember>
}

/** A member as its getter parsed it; `copy` of its members, to see what changed in place. */
export interface ParsedMember {
  readonly value: unknown
  readonly copy: JsonObject | null
}

const raws = new WeakMap<JsonObject, Raw>()

/**
 * The object JSON.parse would make of `buf`, given its members (scanObject). Members named in
 * `eager`, and any whose value is shorter than `lazyMinBytes`, are parsed now; the rest when
 * first read.
 */
export function lazyJsonBody(
  buf: Buffer,
  members: readonly Member[],
  eager: ReadonlySet<string>,
  lazyMinBytes: number,
): JsonObject {
  const last = new Map<string, Member>()
  for (const m of members) last.set(m.name, m)
  const body: JsonObject = {}
  const parsed = new Map<string, ParsedMember>()
  for (const [name, m] of last) {
    if (eager.has(name) || m.valueEnd - m.valueStart < lazyMinBytes) {
      define(body, name, parseValue(buf, m))
    } else {
      Object.defineProperty(body, name, {
        enumerable: true,
        configurable: true,
        get() {
          const value = parseValue(buf, m)
          define(this as JsonObject, name, value)
          const copy = isPlainObject(value) ? { ...value } : null
          parsed.set(name, { value, copy })
          return value
        },
        set(value: unknown) {
          define(this as JsonObject, name, value)
        },
      })
    }
  }
  raws.set(body, { buf, members: last, parsed })
  return body
}

/**
 * The bytes of a member nobody has read or set yet: the body's buffer and the member's place
 * in it. Null once the member was read, set or deleted, and for bodies JSON.parse made.
 */
export function unreadMember(
  body: JsonObject,
  name: string,
): { buf: Buffer; member: Member } | null {
  const raw = raws.get(body)
  if (raw === undefined) return null
  const member = raw.members.get(name)
  if (member === undefined) return null
  return Object.getOwnPropertyDescriptor(body, name)?.get === undefined
    ? null
    : { buf: raw.buf, member }
}

/** What the getter of `name` parsed, if it ran; null if the member was never read. */
export function parsedAtRead(body: JsonObject, name: string): ParsedMember | null {
  return raws.get(body)?.parsed.get(name) ?? null
}

/** Where a member of a lazily parsed body was written, read since or not; null if it was not. */
export function writtenMember(body: JsonObject, name: string): Member | null {
  return raws.get(body)?.members.get(name) ?? null
}

/** Whether the body came from lazyJsonBody. */
export function isLazyBody(body: JsonObject): boolean {
  return raws.has(body)
}

/** An object that is not an array: what a JSON object parses to. */
export const isPlainObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

function parseValue(buf: Buffer, m: Member): unknown {
  return JSON.parse(buf.toString('utf8', m.valueStart, m.valueEnd))
}

/** An own data member, as JSON.parse makes it (`__proto__` included: a member, not the prototype). */
export function define(body: JsonObject, name: string, value: unknown): void {
  Object.defineProperty(body, name, { value, writable: true, enumerable: true, configurable: true })
}
