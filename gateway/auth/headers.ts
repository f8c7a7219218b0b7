// Where a client may put its key. Clients differ: the OpenAI SDK sends
// `Authorization: Bearer K`, the Go gateway's users send `Authorization: K`,
// the OpenResty proxy's send `X-API-Key: K`, URL-only clients use Basic auth.
import type { IncomingHttpHeaders } from 'node:http'

/** Header names the key may arrive in; all are stripped before forwarding. */
export const KEY_HEADERS = ['authorization', 'x-api-key'] as const

export type KeyFromHeaders =
  { ok: true; key: string } | { ok: false; reason: 'missing' | 'ambiguous' | 'malformed' }

/**
 * Read the key from a request's headers. Two different keys in two places is
 * refused as ambiguous rather than guessing which one the client meant.
 */
export function keyFromHeaders(headers: IncomingHttpHeaders, customHeader = ''): KeyFromHeaders {
  const found: string[] = []
  const auth = headers.authorization
  if (auth !== undefined) {
    const parsed = parseAuthorization(auth)
    if (parsed === null) return { ok: false, reason: 'malformed' }
    found.push(parsed)
  }
  for (const name of customHeader ? ['x-api-key', customHeader.toLowerCase()] : ['x-api-key']) {
    if (name === 'authorization') continue
    const v = headers[name]
    if (v === undefined) continue
    if (Array.isArray(v)) return { ok: false, reason: 'ambiguous' }
    const key = v.trim()
    if (!key) return { ok: false, reason: 'malformed' }
    found.push(stripBearer(key))
  }
  if (found.length === 0) return { ok: false, reason: 'missing' }
  const first = found[0]!
  if (found.some((k) => k !== first)) return { ok: false, reason: 'ambiguous' }
  return { ok: true, key: first }
}

/** `Bearer K`, `K`, or `Basic base64(user:K)`; null when it cannot be read. */
export function parseAuthorization(value: string | string[]): string | null {
  if (Array.isArray(value)) return null
  const v = value.trim()
  if (!v) return null
  const space = v.indexOf(' ')
  if (space === -1) return v
  const scheme = v.slice(0, space).toLowerCase()
  const rest = v.slice(space + 1).trim()
  if (!rest || rest.includes(' ')) return null
  if (scheme === 'bearer') return rest
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    const password = colon === -1 ? decoded : decoded.slice(colon + 1)
    return password || null
  }
  return null
}

function stripBearer(v: string): string {
  return /^bearer\s+/i.test(v) ? v.replace(/^bearer\s+/i, '') : v
}
