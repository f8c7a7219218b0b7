// `corral keys create|list|update|revoke`
import QRCode from 'qrcode'
import {
  createKey,
  publicKey,
  revokeKey,
  updateKey,
  type KeyInput,
  type KeyPatch,
} from '../auth/manage.js'
import { SCOPES, type KeyLimits, type Scope } from '../config/schema.js'
import { lanUrls } from '../util/lan.js'
import { CliError, findServer, openStore, type CliContext } from './context.js'
import { table } from './format.js'

export type Flags = Record<string, string | boolean | string[] | undefined>

export async function keysCommand(
  ctx: CliContext,
  sub: string | undefined,
  args: string[],
  flags: Flags,
) {
  switch (sub) {
    case 'create':
      return createCmd(ctx, flags)
    case 'list':
    case undefined:
      return listCmd(ctx)
    case 'update':
      return updateCmd(ctx, need(args[0], 'keys update ID'), flags)
    case 'revoke':
      return revokeCmd(ctx, need(args[0], 'keys revoke ID'))
    default:
      throw new CliError(`unknown command "keys ${sub}" (create, list, update, revoke)`, 2)
  }
}

async function createCmd(ctx: CliContext, flags: Flags): Promise<void> {
  const input: KeyInput = {
    name: need(str(flags.name), 'keys create --name NAME'),
    ...keyOptions(flags),
  }
  const server = await findServer(ctx.dataDir)
  let result: { id: string; name: string; key: string; connectUrls: string[] }
  if (server) {
    result = await server.call('POST', '/control/keys', input)
  } else {
    const store = openStore(ctx)
    try {
      const { record, key } = await createKey((m) => store.update(m), input)
      const c = store.current
      const urls = lanUrls(c.server.host, c.server.port)
      result = {
        ...record,
        key,
        connectUrls: urls.map((u) => `${u}/connect#key=${encodeURIComponent(key)}`),
      }
    } finally {
      store.close()
    }
  }
  if (ctx.json) {
    ctx.out(JSON.stringify({ id: result.id, name: result.name, key: result.key }))
    return
  }
  const connect = result.connectUrls[0]
  const lines = [
    `Key "${result.name}" created (id ${result.id}). It is shown only now:`,
    '',
    `  ${result.key}`,
    '',
  ]
  if (connect) {
    lines.push(`Scan to connect a phone or laptop (${connect.replace(/#.*/, '')}):`, '')
    lines.push(await QRCode.toString(connect, { type: 'terminal', small: true }))
  }
  ctx.out(lines.join('\n'))
}

async function listCmd(ctx: CliContext): Promise<void> {
  const server = await findServer(ctx.dataDir)
  let keys: Array<Record<string, unknown>>
  if (server) keys = await server.get('/control/keys')
  else {
    const store = openStore(ctx)
    keys = store.current.keys.map((k) => ({ ...publicKey(k) }))
    store.close()
  }
  if (ctx.json) return ctx.out(JSON.stringify(keys))
  if (keys.length === 0) return ctx.out('No keys yet. Create one: corral keys create --name alice')
  ctx.out(
    table(
      ['ID', 'NAME', 'KEY', 'SCOPES', 'STATE', 'LAST USED'],
      keys.map((k) => [
        String(k.id),
        String(k.name),
        `${String(k.prefix)}…`,
        (k.scopes as string[]).join(','),
        k.revokedAt
          ? 'revoked'
          : k.expiresAt && Date.parse(String(k.expiresAt)) <= Date.now()
            ? 'expired'
            : 'active',
        k.lastUsedAt ? new Date(Number(k.lastUsedAt)).toLocaleString() : '-',
      ]),
    ),
  )
}

async function updateCmd(ctx: CliContext, id: string, flags: Flags): Promise<void> {
  const patch: KeyPatch = { ...keyOptions(flags) }
  if (str(flags.name)) patch.name = str(flags.name)
  const server = await findServer(ctx.dataDir)
  let updated: unknown
  if (server) updated = await server.call('PATCH', `/control/keys/${encodeURIComponent(id)}`, patch)
  else {
    const store = openStore(ctx)
    try {
      updated = publicKey(await updateKey((m) => store.update(m), id, patch))
    } finally {
      store.close()
    }
  }
  ctx.out(ctx.json ? JSON.stringify(updated) : `Key ${id} updated.`)
}

async function revokeCmd(ctx: CliContext, id: string): Promise<void> {
  const server = await findServer(ctx.dataDir)
  let revoked: { id: string; name: string }
  if (server) revoked = await server.call('DELETE', `/control/keys/${encodeURIComponent(id)}`)
  else {
    const store = openStore(ctx)
    try {
      revoked = publicKey(await revokeKey((m) => store.update(m), id))
    } finally {
      store.close()
    }
  }
  ctx.out(ctx.json ? JSON.stringify(revoked) : `Key "${revoked.name}" (${revoked.id}) revoked.`)
}

/** Flags shared by create and update: scopes, models, limits, expiry. */
export function keyOptions(flags: Flags): Omit<KeyInput, 'name'> {
  const out: Omit<KeyInput, 'name'> = {}
  const scopes = list(flags.scopes)
  if (scopes) {
    const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s))
    if (bad.length)
      throw new CliError(`unknown scope ${bad.join(', ')} (use ${SCOPES.join(', ')})`, 2)
    out.scopes = scopes as Scope[]
  }
  const models = list(flags.models)
  if (models) out.models = models
  const limits: KeyLimits = {}
  if (flags.rpm !== undefined) {
    limits.requests = int(flags.rpm, '--rpm')
    limits.windowSeconds = 60
  }
  if (flags.requests !== undefined) limits.requests = int(flags.requests, '--requests')
  if (flags.window !== undefined) limits.windowSeconds = int(flags.window, '--window') ?? 60
  if (flags.tpm !== undefined) limits.tokensPerMinute = int(flags.tpm, '--tpm')
  if (flags.concurrency !== undefined) limits.concurrency = int(flags.concurrency, '--concurrency')
  if (flags['max-tokens'] !== undefined)
    limits.maxOutputTokens = int(flags['max-tokens'], '--max-tokens')
  if (Object.keys(limits).length > 0) out.limits = limits
  if (str(flags.expires)) out.expires = str(flags.expires)
  return out
}

function int(v: unknown, flag: string): number | null {
  if (v === 'none' || v === 'off') return null
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`${flag} needs a whole number of at least 1 (or "none")`, 2)
  return n
}

function list(v: unknown): string[] | undefined {
  if (typeof v !== 'string') return undefined
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined
}

export function need(v: string | undefined, usage: string): string {
  if (!v) throw new CliError(`usage: corral ${usage}`, 2)
  return v
}
