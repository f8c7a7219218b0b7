// Browser clients on the gateway port (server.allowedOrigins). Modelled on Ollama's own CORS
// layer (ollama server/routes.go: gin-contrib/cors with AllowWildcard, origins from envconfig
// AllowedOrigins): a request from a page whose Origin is not allowed gets 403 with an empty body,
// as a loopback Ollama answers; an allowed origin gets Access-Control-Allow-Origin, and its
// preflight (OPTIONS) is answered 204 here, before the key check (a browser never sends the key
// on a preflight). The page's Origin is not forwarded to a backend: Corral made the decision,
// and the backend's own OLLAMA_ORIGINS would refuse an origin it does not know.
import type { IncomingMessage, ServerResponse } from 'node:http'

/** Ollama's defaults (envconfig/config.go AllowedOrigins), the setting's default. */
export const DEFAULT_ALLOWED_ORIGINS: readonly string[] = [
  ...['localhost', '127.0.0.1', '0.0.0.0'].flatMap((h) => [
    `http://${h}`,
    `https://${h}`,
    `http://${h}:*`,
    `https://${h}:*`,
  ]),
  'app://*',
  'file://*',
  'tauri://*',
  'vscode-webview://*',
  'vscode-file://*',
]

/** gin-contrib/cors DefaultConfig's methods; 12 hours, its MaxAge. */
const ALLOW_METHODS = 'GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS'
const MAX_AGE_S = '43200'
/** ollama routes.go corsConfig.AllowHeaders, and the ones Corral and the Anthropic SDK add. */
const ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'User-Agent',
  'Accept',
  'X-Requested-With',
  'OpenAI-Beta',
  'X-API-Key',
  'anthropic-version',
  'anthropic-beta',
  'anthropic-dangerous-direct-browser-access',
]
/** What a page may read of an answer: the limit headers tell it when to retry. */
const EXPOSE_HEADERS =
  'Retry-After,RateLimit-Limit,RateLimit-Remaining,RateLimit-Reset,RateLimit-Policy'
/** A requested header list echoed back only when it is plain header names, and not huge. */
const REQUESTED_HEADERS = /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/
const REQUESTED_HEADERS_MAX = 2_000
const ORIGIN_MAX = 500

export interface CorsPolicy {
  allows(origin: string): boolean
  /** The Allow-Headers answer to a preflight that asked for `requested`. */
  allowHeaders(requested: string | undefined): string
}

/**
 * Compiles the allowed origins once per config: exact origins, or one `*` standing for any text
 * (`http://localhost:*`, `app://*`), as gin-contrib/cors with AllowWildcard matches them.
 */
export function compileCors(patterns: readonly string[], keyHeader: string): CorsPolicy {
  const exact = new Set<string>()
  const wild: Array<[string, string]> = []
  for (const p of patterns) {
    const text = p.trim().toLowerCase()
    const star = text.indexOf('*')
    if (text === '*') wild.push(['', ''])
    else if (star < 0) exact.add(text.replace(/\/$/, ''))
    else wild.push([text.slice(0, star), text.slice(star + 1)])
  }
  const fixed = [...ALLOW_HEADERS, ...(keyHeader ? [keyHeader] : [])].join(',')
  return {
    allows(origin) {
      const o = origin.toLowerCase()
      if (exact.has(o)) return true
      return wild.some(
        ([pre, post]) =>
          o.length >= pre.length + post.length && o.startsWith(pre) && o.endsWith(post),
      )
    },
    allowHeaders(requested) {
      if (requested === undefined || requested.length > REQUESTED_HEADERS_MAX) return fixed
      const r = requested.trim()
      return REQUESTED_HEADERS.test(r) ? r : fixed
    },
  }
}

const policies = new WeakMap<readonly string[], CorsPolicy>()

/** The compiled policy for a config's list (compiled on first use, kept with the list). */
export function corsPolicy(patterns: readonly string[], keyHeader: string): CorsPolicy {
  let p = policies.get(patterns)
  if (p === undefined) {
    p = compileCors(patterns, keyHeader)
    policies.set(patterns, p)
  }
  return p
}

/**
 * Applies the policy to one request. True when it was answered here (a refusal or a
 * preflight); false when it goes on, with the CORS headers set on `res` when it came from an
 * allowed page, and without its Origin header either way.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, policy: CorsPolicy): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return false
  delete req.headers.origin
  const host = req.headers.host
  // Same origin (the /connect page calling its own gateway): not a cross-origin request.
  if (host !== undefined && (origin === `http://${host}` || origin === `https://${host}`)) {
    return false
  }
  if (origin.length > ORIGIN_MAX || !policy.allows(origin)) {
    res.writeHead(403, { 'content-length': 0, connection: 'close' })
    res.end()
    return true
  }
  res.setHeader('access-control-allow-origin', origin)
  res.setHeader('vary', 'Origin')
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
    const requested = req.headers['access-control-request-headers']
    res.writeHead(204, {
      'access-control-allow-methods': ALLOW_METHODS,
      'access-control-allow-headers': policy.allowHeaders(requested),
      'access-control-max-age': MAX_AGE_S,
      'content-length': 0,
    })
    res.end()
    return true
  }
  res.setHeader('access-control-expose-headers', EXPOSE_HEADERS)
  return false
}
