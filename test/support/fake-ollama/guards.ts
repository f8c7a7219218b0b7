// What Ollama checks before any handler runs (server/routes.go GenerateRoutes: the gin-contrib/cors
// middleware, then allowedHostsMiddleware). Both refuse with 403 and an empty body.
import os from 'node:os'
import { isIP } from 'node:net'
import type { Ctx } from './types.js'

/** envconfig/config.go AllowedOrigins: OLLAMA_ORIGINS first, then the defaults. */
export function allowedOrigins(extra: readonly string[]): string[] {
  const out = [...extra]
  for (const host of ['localhost', '127.0.0.1', '0.0.0.0']) {
    out.push(`http://${host}`, `https://${host}`, `http://${host}:*`, `https://${host}:*`)
  }
  out.push('app://*', 'file://*', 'tauri://*', 'vscode-webview://*', 'vscode-file://*')
  return out
}

/** gin-contrib/cors with AllowWildcard: one `*` matches anything between prefix and suffix. */
function originAllowed(origin: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    const star = p.indexOf('*')
    if (star < 0) return p === origin
    const [pre, post] = [p.slice(0, star), p.slice(star + 1)]
    return (
      origin.length >= pre.length + post.length && origin.startsWith(pre) && origin.endsWith(post)
    )
  })
}

/** routes.go corsConfig.AllowHeaders. */
const ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'User-Agent',
  'Accept',
  'X-Requested-With',
  'OpenAI-Beta',
  'x-stainless-arch',
  'x-stainless-async',
  'x-stainless-custom-poll-interval',
  'x-stainless-helper-method',
  'x-stainless-lang',
  'x-stainless-os',
  'x-stainless-package-version',
  'x-stainless-poll-helper',
  'x-stainless-retry-count',
  'x-stainless-runtime',
  'x-stainless-runtime-version',
  'x-stainless-timeout',
].join(',')

/** Private, loopback, unspecified or link-local: routes.go allowedHostsMiddleware + isLocalIP. */
function localAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (isIP(h) === 4) {
    const [a = 0, b = 0] = h.split('.').map(Number)
    return (
      a === 127 ||
      a === 10 ||
      a === 0 ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168)
    )
  }
  if (isIP(h) === 6) return h === '::1' || h === '::' || /^f[cd]/.test(h) || h.startsWith('fe80')
  return false
}

/** routes.go allowedHost: localhost, this machine's name, *.localhost, *.local, *.internal. */
function allowedHostName(host: string): boolean {
  const h = host.toLowerCase()
  if (h === '' || h === 'localhost' || h === os.hostname().toLowerCase()) return true
  return ['.localhost', '.local', '.internal'].some((tld) => h.endsWith(tld))
}

function hostOnly(header: string): string {
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1)
  const colon = header.lastIndexOf(':')
  return colon >= 0 && header.indexOf(':') === colon ? header.slice(0, colon) : header
}

/**
 * Runs Ollama's two guards. Returns true when the request was answered here (403 or a
 * preflight's 204), false when a handler should answer it. `loopback`: the server listens on a
 * loopback address (the Host check applies only then).
 */
export function guard(c: Ctx, origins: readonly string[], loopback: boolean): boolean {
  const { req, res } = c
  const origin = req.headers.origin
  const host = req.headers.host ?? ''
  if (origin && origin !== `http://${host}` && origin !== `https://${host}`) {
    if (!originAllowed(origin, origins)) {
      res.writeHead(403, { 'Content-Length': 0 }).end()
      return true
    }
    res.setHeader('Access-Control-Allow-Origin', origin)
    res.setHeader('Vary', 'Origin')
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET,POST,PUT,PATCH,DELETE,HEAD,OPTIONS')
      res.setHeader('Access-Control-Allow-Headers', ALLOW_HEADERS)
      res.setHeader('Access-Control-Max-Age', '43200')
      res.writeHead(204).end()
      return true
    }
  }
  if (!loopback) return false
  const name = hostOnly(host)
  if (localAddress(name)) return false
  if (allowedHostName(name)) {
    if (req.method !== 'OPTIONS') return false
    res.writeHead(204).end()
    return true
  }
  res.writeHead(403, { 'Content-Length': 0 }).end()
  return true
}
