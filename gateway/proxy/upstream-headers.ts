// The headers that cross the proxy each way: the client's to the backend minus
// hop-by-hop ones and the client's key, the backend's to the client minus hop-by-hop ones.
import type { IncomingHttpHeaders } from 'node:http'
import type { UpstreamRequest, UpstreamTarget } from './relay-types.js'

/** Headers that describe one hop and never cross the proxy (RFC 9110 §7.6.1). */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
  'content-length',
])

/** Forwarding headers a client may forge; replaced by the address the gateway saw. */
const CLIENT_FORWARDING = ['x-forwarded-for', 'forwarded', 'x-real-ip']

/**
 * What a client says that a backend must not act on (issue 25): a browser's cookies are
 * for the gateway's origin, never the backend's; `Origin` would make Ollama apply its own
 * CORS list (ollama server/routes.go, `cors.New(corsConfig)`) to a request the gateway
 * already decided on; the
 * `X-Forwarded-Host/Proto/Port/Prefix` claims would make a backend that trusts its proxy
 * build links to a host of the client's choosing. The gateway sets `X-Forwarded-For`
 * itself (the address it saw, below) and nothing else of these.
 */
const CLIENT_CLAIMS = [
  'cookie',
  'origin',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-server',
]

/** The gateway's own headers (`X-Corral-Backend` ...): read by the gateway, never forwarded. */
const INTERNAL_PREFIX = 'x-corral-'

/**
 * HOP_BY_HOP, what a client claims about its address (a backend that trusts this
 * gateway as a proxy must get our word, set below), and one snapshot's key headers;
 * built once per list (a snapshot keeps its list).
 */
const dropSets = new WeakMap<readonly string[], ReadonlySet<string>>()

function dropSetFor(stripHeaders: readonly string[]): ReadonlySet<string> {
  let set = dropSets.get(stripHeaders)
  if (set === undefined) {
    set = new Set([...HOP_BY_HOP, ...CLIENT_FORWARDING, ...CLIENT_CLAIMS, ...stripHeaders])
    dropSets.set(stripHeaders, set)
  }
  return set
}

/** Header names the Connection header lists (hop-by-hop too) that `drop` does not have yet. */
function connectionNamed(
  value: string | string[] | undefined,
  drop: ReadonlySet<string>,
): Set<string> | null {
  if (typeof value !== 'string') return null
  let named: Set<string> | null = null
  for (const n of value.split(',')) {
    const name = n.trim().toLowerCase()
    if (name && !drop.has(name)) (named ??= new Set()).add(name)
  }
  return named
}

/** Build the headers a backend sees: the client's, minus hop-by-hop, keys, claims and our own. */
export function upstreamHeaders(
  req: UpstreamRequest,
  target: UpstreamTarget,
  bodyLength: number | null,
): Record<string, string | string[]> {
  const drop = dropSetFor(req.stripHeaders)
  // The Connection header may only remove headers, never ones the gateway adds.
  const named = connectionNamed(req.headers.connection, drop)
  const out: Record<string, string | string[]> = {}
  for (const name of Object.keys(req.headers)) {
    const value = req.headers[name]
    if (value === undefined || drop.has(name) || named?.has(name)) continue
    if (name.startsWith(INTERNAL_PREFIX)) continue
    out[name] = value
  }
  if (req.forwardedFor) out['x-forwarded-for'] = req.forwardedFor
  if (bodyLength !== null) out['content-length'] = String(bodyLength)
  if (target.key) out.authorization = `Bearer ${target.key}`
  return out
}

/** The headers a client sees: the backend's, minus hop-by-hop, plus the gateway's own. */
export function clientHeaders(
  upstream: IncomingHttpHeaders,
  streaming: boolean,
  extraHeaders: Record<string, string> | undefined,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {}
  for (const name in upstream) {
    const value = upstream[name]
    if (value === undefined || HOP_BY_HOP.has(name)) continue
    headers[name] = value
  }
  const length = upstream['content-length']
  if (typeof length === 'string') headers['content-length'] = length
  if (streaming) headers['x-accel-buffering'] = 'no'
  if (extraHeaders !== undefined) Object.assign(headers, extraHeaders)
  return headers
}
