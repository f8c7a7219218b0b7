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
import { checkOllamaOption } from '../config/ollama-options.js'
import { checkSubnet } from '../auth/subnet.js'
import { parseKeepAliveMax } from '../key-options/keep-alive.js'
import { offlineConnectUrls } from '../tls/offline.js'
import { CliError, openStore, type CliContext } from './context.js'
import { serverFor } from './other-folder.js'
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
      return listCmd(ctx, flags.all === true)
    case 'update':
      return updateCmd(ctx, need(args[0], 'keys update ID'), flags)
    case 'revoke':
      return revokeCmd(ctx, need(args[0], 'keys revoke ID'))
    default:
      throw new CliError(`unknown command "keys ${sub}" (create, list, update, revoke)`, 2)
  }
}

async function createCmd(ctx: CliContext, flags: Flags): Promise<void> {
  const guest = flags.guest === true
  const { options, ...rest } = keyOptions(flags)
  const input: KeyInput = {
    // A guest left unnamed is named by Corral (an empty name would be refused by the API).
    ...(guest && !str(flags.name)
      ? {}
      : { name: need(str(flags.name), 'keys create --name NAME') }),
    ...rest,
    ...(guest ? { guest } : {}),
  }
  // On a new key, "remove this option" (NAME=) and --clear-options have nothing to remove.
  const set = Object.entries(options ?? {}).filter(([, v]) => v !== null)
  if (set.length > 0) input.options = Object.fromEntries(set)
  const server = await serverFor(ctx)
  let result: {
    id: string
    name: string
    key: string
    connectUrls: string[]
    /** Why there is no link (HTTPS on without a usable certificate). */
    connectProblem?: string | null
    expiresAt: string | null
    subnet: string | null
  }
  if (server) {
    result = await server.call('POST', '/control/keys', input)
  } else {
    const store = openStore(ctx)
    try {
      const { record, key } = await createKey((m) => store.update(m), input)
      result = { ...record, key, connectUrls: offlineConnectUrls(ctx.dataDir, store.current, key) }
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
    `${guest ? 'Guest key' : 'Key'} "${result.name}" created (id ${result.id}). It is shown only now:`,
    '',
    `  ${result.key}`,
    '',
  ]
  if (guest) {
    const where = result.subnet ?? 'the network of the first device that uses it (its /24 or /64)'
    lines.push(`It works until ${result.expiresAt ?? '?'}, only from ${where}.`, '')
  }
  if (connect) {
    lines.push(`Scan to connect a phone or laptop (${connect.replace(/#.*/, '')}):`, '')
    lines.push(await QRCode.toString(connect, { type: 'terminal', small: true }))
  } else if (result.connectProblem) {
    lines.push(`No QR code: ${result.connectProblem}`)
  }
  ctx.out(lines.join('\n'))
}

async function listCmd(ctx: CliContext, all: boolean): Promise<void> {
  const server = await serverFor(ctx)
  let keys: Array<Record<string, unknown>>
  if (server) keys = await server.get('/control/keys')
  else {
    const store = openStore(ctx)
    keys = store.current.keys.map((k) => ({ ...publicKey(k) }))
    store.close()
  }
  // Guest keys that ran out leave the list (their use stays in `corral stats`); --all shows them.
  const hidden = all ? [] : keys.filter((k) => k.guest === true && keyState(k) !== 'active')
  keys = keys.filter((k) => !hidden.includes(k))
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
        k.guest === true && keyState(k) === 'active'
          ? `guest until ${new Date(String(k.expiresAt)).toLocaleString()}`
          : keyState(k),
        k.lastUsedAt ? new Date(Number(k.lastUsedAt)).toLocaleString() : '-',
      ]),
    ),
  )
  if (hidden.length > 0) {
    ctx.out(`${hidden.length} expired or revoked guest key(s) not shown (--all shows them).`)
  }
}

function keyState(k: Record<string, unknown>): 'revoked' | 'expired' | 'active' {
  if (k.revokedAt) return 'revoked'
  if (k.expiresAt && Date.parse(String(k.expiresAt)) <= Date.now()) return 'expired'
  return 'active'
}

async function updateCmd(ctx: CliContext, id: string, flags: Flags): Promise<void> {
  const patch: KeyPatch = { ...keyOptions(flags) }
  if (str(flags.name)) patch.name = str(flags.name)
  const server = await serverFor(ctx)
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
  const server = await serverFor(ctx)
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
type KeyFlags = Omit<KeyInput, 'name' | 'options'> & Pick<KeyPatch, 'options'>

export function keyOptions(flags: Flags): KeyFlags {
  const out: KeyFlags = {}
  const scopes = list(flags.scopes)
  if (scopes) {
    const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s))
    if (bad.length)
      throw new CliError(`unknown scope ${bad.join(', ')} (use ${SCOPES.join(', ')})`, 2)
    out.scopes = scopes as Scope[]
  }
  const models = list(flags.models)
  // `--models all` lifts the limit (on update); an empty list means every model.
  if (models) out.models = models.length === 1 && models[0] === 'all' ? [] : models
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
  if (str(flags.expires)) out.expires = checkDuration(str(flags.expires)!, '--expires')
  if (flags.subnet !== undefined) {
    const subnet = String(flags.subnet).trim()
    const problem = subnet === '' || subnet === 'none' ? null : checkSubnet(subnet)
    if (problem !== null) throw new CliError(`--subnet: ${problem}`, 2)
    out.subnet = subnet === '' || subnet === 'none' ? null : subnet
  }
  const options = optionFlags(flags)
  if (options !== undefined) out.options = options
  // Cloud models run on the owner's ollama.com account: a key gets them only when asked.
  if (flags['allow-cloud'] === true) out.allowCloud = true
  if (flags['deny-cloud'] === true) out.allowCloud = false
  const keepAlive = flags['keep-alive-max']
  if (typeof keepAlive === 'string') {
    if (keepAlive === 'none' || keepAlive === 'off') out.keepAliveMax = null
    else {
      try {
        out.keepAliveMax = parseKeepAliveMax(keepAlive)
      } catch (err) {
        throw new CliError(`--keep-alive-max: ${(err as Error).message}`, 2)
      }
    }
  }
  return out
}

function checkDuration(v: string, flag: string): string {
  if (v.trim().startsWith('-')) {
    throw new CliError(`${flag}: "${v}" is negative: a duration counts forward (2h, 7d)`, 2)
  }
  return v
}

/**
 * `--option NAME=VALUE` (repeatable): VALUE is read as JSON when it can be (8192, 0.2, true,
 * ["a","b"]), else as text (`stop` takes text as a one-item list). `--option NAME=` removes
 * the option (on update); `--clear-options` removes them all. Checked against Ollama's names
 * and types here, so a typo exits 2 before anything is sent or saved.
 */
function optionFlags(flags: Flags): Record<string, unknown> | null | undefined {
  const given = flags.option
  const list = Array.isArray(given) ? given : typeof given === 'string' ? [given] : []
  if (flags['clear-options'] === true) {
    if (list.length > 0) throw new CliError('use --clear-options or --option, not both', 2)
    return null
  }
  if (list.length === 0) return undefined
  const out: Record<string, unknown> = {}
  for (const item of list) {
    const eq = item.indexOf('=')
    if (eq < 1) throw new CliError(`--option needs NAME=VALUE, got "${item}"`, 2)
    const name = item.slice(0, eq).trim()
    const text = item.slice(eq + 1)
    if (text === '') {
      out[name] = null
      continue
    }
    let value: unknown = text
    try {
      value = JSON.parse(text)
    } catch {
      // Plain text.
    }
    if (name === 'stop' && typeof value === 'string') value = [value]
    const problem = checkOllamaOption(name, value)
    if (problem !== null) throw new CliError(`--option ${problem}`, 2)
    out[name] = value
  }
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
