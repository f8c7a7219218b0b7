// The Go ollama-gateway's `config.json`, in both documented variants (with and without
// `loadBalancer`). Field names match case-insensitively, as Go's encoding/json does.
import { addBackend } from './backend-url.js'
import { loadBalancer, metrics, rateLimit, security } from './go-gateway-policy.js'
import {
  at,
  cursor,
  field,
  isObject,
  jsonErrorLine,
  unknownFields,
  wrongType,
  type Ctx,
  type Field,
} from './go-json.js'
import { addKey } from './keys.js'
import { setSetting } from './settings.js'
import { emptyPlan, ImportError, note, type ImportPlan } from './types.js'

const TOP_FIELDS = [
  'ollamaAddresses',
  'gatewayAddress',
  'logging',
  'authHeaderName',
  'apiKeys',
  'rateLimit',
  'security',
  'metrics',
  'loadBalancer',
] as const

/** Ports clients of the Go gateway used; Corral's own default is 11435. */
const CORRAL_DEFAULT_PORT = 11_435

/** Whether parsed JSON looks like the Go gateway's config (has one of its telltale fields). */
export function looksLikeGoGateway(data: unknown): boolean {
  if (!isObject(data)) return false
  const names = Object.keys(data).map((k) => k.toLowerCase())
  return ['ollamaaddresses', 'apikeys', 'gatewayaddress'].some((n) => names.includes(n))
}

export function parseGoGateway(file: string, text: string): ImportPlan {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (error) {
    const line = jsonErrorLine(text, error)
    const why = error instanceof Error ? error.message : String(error)
    throw new ImportError(file, line, `not valid JSON (${why})`, { cause: error })
  }
  if (!isObject(data)) {
    throw new ImportError(file, 1, 'expected a JSON object like the Go ollama-gateway config.json')
  }
  const ctx: Ctx = { plan: emptyPlan(), file, text }
  unknownFields(ctx, data, TOP_FIELDS, '')
  backends(ctx, field(data, 'ollamaAddresses'))
  gatewayAddress(ctx, field(data, 'gatewayAddress'))
  logging(ctx, field(data, 'logging'))
  authHeader(ctx, field(data, 'authHeaderName'))
  apiKeys(ctx, field(data, 'apiKeys'))
  rateLimit(ctx, field(data, 'rateLimit'))
  security(ctx, field(data, 'security'))
  metrics(ctx, field(data, 'metrics'))
  loadBalancer(ctx, field(data, 'loadBalancer'))
  return ctx.plan
}

function backends(ctx: Ctx, f: Field | undefined): void {
  if (f === undefined || (Array.isArray(f.value) && f.value.length === 0)) {
    note(ctx.plan, 'warn', { file: ctx.file }, 'no ollamaAddresses: no backends imported')
    return
  }
  if (!Array.isArray(f.value)) return wrongType(ctx, f, 'a list of URLs')
  const next = cursor(ctx, f)
  for (const address of f.value) {
    if (typeof address !== 'string') {
      note(
        ctx.plan,
        'warn',
        at(ctx, f.name),
        `ollamaAddresses entry ${JSON.stringify(address)} is not a string; skipped`,
      )
    } else {
      addBackend(ctx.plan, address, 'go-gateway', next(address))
    }
  }
}

function gatewayAddress(ctx: Ctx, f: Field | undefined): void {
  if (f === undefined) return
  if (typeof f.value !== 'string') return wrongType(ctx, f, 'a "host:port" string')
  const where = at(ctx, f.name)
  const m = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(f.value.trim())
  if (m === null) {
    note(
      ctx.plan,
      'warn',
      where,
      `gatewayAddress "${f.value}" not understood (expected host:port); ignored`,
    )
    return
  }
  const host = (m[1] ?? '').replace(/^\[(.*)\]$/, '$1')
  const port = Number(m[2])
  if (host !== '') setSetting(ctx.plan, 'server.host', host, where, 'gatewayAddress host')
  if (
    setSetting(ctx.plan, 'server.port', port, where, 'gatewayAddress port') &&
    port !== CORRAL_DEFAULT_PORT
  ) {
    note(
      ctx.plan,
      'info',
      where,
      `clients used port ${port}; Corral's default is ${CORRAL_DEFAULT_PORT}, so the port is set to ${port} and clients need no change`,
    )
  }
  if (host === 'localhost' || host === '::1' || host.startsWith('127.')) {
    note(
      ctx.plan,
      'info',
      where,
      `the gateway listened on ${host} only; Corral will too, so LAN clients cannot reach it`,
    )
  }
}

function logging(ctx: Ctx, f: Field | undefined): void {
  if (f === undefined) return
  if (typeof f.value !== 'boolean') return wrongType(ctx, f, 'true or false')
  setSetting(ctx.plan, 'logging.enabled', f.value, at(ctx, f.name), f.name)
}

function authHeader(ctx: Ctx, f: Field | undefined): void {
  if (f === undefined || f.value === '') return
  if (typeof f.value !== 'string') return wrongType(ctx, f, 'a header name')
  const where = at(ctx, f.name)
  if (/^(authorization|x-api-key)$/i.test(f.value)) {
    note(
      ctx.plan,
      'info',
      where,
      `authHeaderName "${f.value}" needs no setting: Corral already reads keys from it`,
    )
  } else if (setSetting(ctx.plan, 'auth.headerName', f.value, where, f.name)) {
    note(ctx.plan, 'info', where, `keys will also be read from the ${f.value} header, as before`)
  }
}

function apiKeys(ctx: Ctx, f: Field | undefined): void {
  if (f === undefined || (Array.isArray(f.value) && f.value.length === 0)) {
    note(
      ctx.plan,
      'info',
      { file: ctx.file },
      'no apiKeys to import; create keys with `corral keys create`',
    )
    return
  }
  if (!Array.isArray(f.value)) return wrongType(ctx, f, 'a list of keys')
  const next = cursor(ctx, f)
  for (const key of f.value) {
    if (typeof key !== 'string') {
      note(ctx.plan, 'warn', at(ctx, f.name), 'an apiKeys entry is not a string; skipped')
    } else {
      addKey(ctx.plan, key, 'go-gateway', next(key))
    }
  }
}
