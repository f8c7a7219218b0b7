// Backend addresses arrive as `host`, `host:port`, `[v6]:port` or full URLs with a trailing
// slash. One normal form, `http(s)://host:port[/path]`, lets imports dedupe against each other
// and against backends already in the config.
import { note, type ImportPlan, type SourceFormat, type SourceLocation } from './types.js'

/** Ollama's own port: an address without scheme and port means an Ollama there. */
export const OLLAMA_DEFAULT_PORT = 11_434

export type NormalizedUrl =
  | { ok: true; url: string; assumedPort: boolean; hasPath: boolean; host: string }
  | { ok: false; reason: string }

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

/**
 * Normalizes a backend address. Without a scheme, `http` and port 11434 are assumed (as
 * `OLLAMA_HOST` does); with one, the scheme's own default port applies, as in any URL.
 */
export function normalizeBackendUrl(input: string): NormalizedUrl {
  const raw = input.trim()
  if (raw === '') return { ok: false, reason: 'the address is empty' }
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase()
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    return { ok: false, reason: `the scheme "${scheme}" is not http or https` }
  }
  let candidate = raw
  let assumedPort = false
  if (scheme === undefined) {
    let hostPort = raw
    // A bare IPv6 address (more than one colon, no brackets) has no port.
    if (!hostPort.startsWith('[') && (hostPort.match(/:/g) ?? []).length > 1) {
      hostPort = `[${hostPort}]`
    }
    const hostOnly = /^(\[[^\]]*\]|[^:/]*)(\/.*)?$/.exec(hostPort)
    if (hostOnly !== null) {
      hostPort = `${hostOnly[1] ?? ''}:${OLLAMA_DEFAULT_PORT}${hostOnly[2] ?? ''}`
      assumedPort = true
    }
    candidate = `http://${hostPort}`
  }
  let url: URL
  try {
    url = new URL(candidate)
  } catch {
    return { ok: false, reason: 'it is not a valid address' }
  }
  if (url.hostname === '') return { ok: false, reason: 'it has no host' }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'it carries credentials, which Corral does not send to backends' }
  }
  if (url.search !== '' || url.hash !== '') {
    return { ok: false, reason: 'it has a query string or fragment' }
  }
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80'
  const path = url.pathname.replace(/\/+$/, '')
  const host = `${url.hostname}:${port}`
  return {
    ok: true,
    url: `${url.protocol}//${host}${path}`,
    assumedPort,
    hasPath: path !== '',
    host,
  }
}

/** The normal form of a URL for comparison, or the input unchanged when it does not parse. */
export function urlKey(input: string): string {
  const n = normalizeBackendUrl(input)
  return n.ok ? n.url : input.trim()
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * What makes two backend URLs the same backend: the normal form, with `localhost`, `127.0.0.1`
 * and `[::1]` taken as one host (the local Ollama is often written all three ways).
 */
export function backendIdentity(input: string): string {
  const n = normalizeBackendUrl(input)
  if (!n.ok) return input.trim()
  const u = new URL(n.url)
  if (!LOOPBACK_NAMES.has(u.hostname)) return n.url
  return n.url.replace(`//${u.hostname}:`, '//loopback:')
}

export interface BackendOptions {
  name?: string
  weight?: number
  capacity?: number
  enabled?: boolean
}

/** Adds a backend to a plan, or a note saying why the address was refused. */
export function addBackend(
  plan: ImportPlan,
  address: string,
  source: SourceFormat,
  at: SourceLocation,
  options: BackendOptions = {},
): void {
  const n = normalizeBackendUrl(address)
  if (!n.ok) {
    note(plan, 'warn', at, `skipped backend "${address}": ${n.reason}`)
    return
  }
  if (n.assumedPort) {
    const nginx = source === 'nginx-upstreams'
    note(
      plan,
      nginx ? 'warn' : 'info',
      at,
      `backend "${address}" has no port: assumed Ollama's ${OLLAMA_DEFAULT_PORT} (${n.url})` +
        (nginx ? '; nginx would have used 80, so check it' : ''),
    )
  }
  if (n.hasPath) {
    note(plan, 'warn', at, `backend ${n.url} has a path; requests will be sent under it`)
  }
  const name = (options.name ?? '').trim().slice(0, 100) || n.host
  plan.backends.push({
    url: n.url,
    name,
    ...(options.weight === undefined ? {} : { weight: options.weight }),
    ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
    ...(options.enabled === undefined ? {} : { enabled: options.enabled }),
    source,
    file: at.file,
    ...(at.line === undefined ? {} : { line: at.line }),
  })
}
