// Creating, changing and revoking keys: shared by the control API, the Go
// gateway's /config/new-key and the CLI (which edits the data dir directly
// when no server runs). Each takes the store's `update` so the write is atomic.
import type { Config, KeyLimits, KeyRecord, Scope } from '../config/schema.js'
import { displayPrefix, generateKey, hashKey, parseExpiry } from './keys.js'
import { newId } from '../util/ids.js'
import { checkSubnet } from './subnet.js'
import { checkOllamaOption, type OllamaOptions } from '../config/ollama-options.js'
import { parseKeepAliveMax } from '../key-options/keep-alive.js'
import { keyWorks, nameTakenBy, uniqueGuestName } from './key-names.js'

export type UpdateConfig = (mutator: (draft: Config) => Config | void) => Promise<Config>

export interface KeyInput {
  /** Needed, except for a guest key (named after the time it was made). */
  name?: string
  scopes?: Scope[]
  models?: string[]
  limits?: KeyLimits
  /** `7d`, `12h`, an ISO date, or null for never. */
  expires?: string | null
  /** A guest key: inference only, expires (default 24 h), bound to a subnet. */
  guest?: boolean
  /** The CIDR the key works from; for a guest without one, its first device's /24 or /64. */
  subnet?: string | null
  /** Ollama options applied where the client set none (checked against Ollama's names). */
  options?: Record<string, unknown>
  /** `30m`, `1h`, seconds; null: no cap. */
  keepAliveMax?: string | number | null
  /** May use cloud models (they run on the owner's ollama.com account); default no. */
  allowCloud?: boolean
}

/** How long a guest key lives when no expiry is given. */
export const GUEST_DEFAULT_EXPIRY = '24h'
/** The longest a guest key may live: for longer, a regular key (which can be revoked too). */
export const GUEST_MAX_DAYS = 30

/** Bad input about keys; `status` is what the control API answers (400, 404, 409). */
export class KeyInputError extends Error {
  override name = 'KeyInputError'
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message)
  }
}

export async function createKey(
  update: UpdateConfig,
  input: KeyInput,
  now: Date = new Date(),
): Promise<{ record: KeyRecord; key: string }> {
  const key = generateKey()
  const guest = input.guest === true
  const scopes =
    input.scopes && input.scopes.length > 0
      ? [...new Set(input.scopes)]
      : (['inference'] as Scope[])
  const given = input.name?.trim() ? cleanName(input.name) : null
  if (given === null && !guest) throw new KeyInputError('a key needs a name of 1 to 100 characters')
  const record: KeyRecord = {
    id: newId(),
    name: given ?? '',
    hash: hashKey(key),
    prefix: displayPrefix(key),
    scopes: guest ? guestScopes(scopes) : scopes,
    models: input.models ?? [],
    limits: input.limits ?? {},
    createdAt: now.toISOString(),
    expiresAt: guest
      ? guestExpiry(input.expires === undefined ? GUEST_DEFAULT_EXPIRY : input.expires, now)
      : expiryOf(input.expires, now),
    revokedAt: null,
    source: 'created',
    guest,
    subnet: subnetOf(input.subnet),
    options: input.options === undefined ? {} : checkOptions(input.options),
    keepAliveMaxSeconds: keepAliveOf(input.keepAliveMax),
    ...(input.allowCloud === true && !guest ? { allowCloud: true } : {}),
  }
  await update((c) => {
    if (given === null) record.name = uniqueGuestName(c, now)
    else refuseTakenName(c, given, now, null)
    c.keys.push(record)
  })
  return { record, key }
}

export interface KeyPatch {
  name?: string
  /** May use cloud models (never for a guest key). */
  allowCloud?: boolean
  scopes?: Scope[]
  models?: string[]
  limits?: KeyLimits
  expires?: string | null
  /** null: anywhere (a guest key is then bound again by its next request). */
  subnet?: string | null
  /** Merged into the key's options; a name set to null is removed, `null` removes them all. */
  options?: Record<string, unknown> | null
  keepAliveMax?: string | number | null
}

export async function updateKey(
  update: UpdateConfig,
  idOrName: string,
  patch: KeyPatch,
  now: Date = new Date(),
): Promise<KeyRecord> {
  let result: KeyRecord | null = null
  await update((c) => {
    const k = findKey(c, idOrName)
    if (patch.name !== undefined) {
      k.name = cleanName(patch.name)
      refuseTakenName(c, k.name, now, k.id)
    }
    if (patch.scopes !== undefined) {
      const scopes = [...new Set(patch.scopes)]
      k.scopes = k.guest ? guestScopes(scopes) : scopes
    }
    if (patch.models !== undefined) k.models = patch.models
    if (patch.limits !== undefined) k.limits = { ...k.limits, ...patch.limits }
    if (patch.expires !== undefined) {
      k.expiresAt = k.guest ? guestExpiry(patch.expires, now) : expiryOf(patch.expires, now)
    }
    if (patch.subnet !== undefined) k.subnet = subnetOf(patch.subnet)
    if (patch.options !== undefined) k.options = mergeOptions(k.options, patch.options)
    if (patch.keepAliveMax !== undefined) k.keepAliveMaxSeconds = keepAliveOf(patch.keepAliveMax)
    if (patch.allowCloud !== undefined) k.allowCloud = patch.allowCloud && !k.guest
    result = k
  })
  return result!
}

/** Revoke: the key stays listed (for its history) but is refused from the next request on. */
export async function revokeKey(
  update: UpdateConfig,
  idOrName: string,
  now: Date = new Date(),
): Promise<KeyRecord> {
  let result: KeyRecord | null = null
  await update((c) => {
    const k = findKey(c, idOrName)
    k.revokedAt ??= now.toISOString()
    result = k
  })
  return result!
}

/** By id, or by name when exactly one key has it. */
export function findKey(config: Config, idOrName: string): KeyRecord {
  const byId = config.keys.find((k) => k.id === idOrName)
  if (byId) return byId
  let byName = config.keys.filter((k) => k.name === idOrName)
  // A revoked "alice" and the new "alice": the name means the one that works.
  if (byName.length > 1) byName = byName.filter((k) => keyWorks(k, Date.now()))
  if (byName.length === 1) return byName[0]!
  if (byName.length > 1) {
    throw new KeyInputError(`several keys are named "${idOrName}"; use the id`, 409)
  }
  throw new KeyInputError(`no key with id or name "${idOrName}"`, 404)
}

function cleanName(name: string): string {
  const n = name.trim()
  if (!n || n.length > 100) throw new KeyInputError('a key needs a name of 1 to 100 characters')
  return n
}

function expiryOf(expires: string | null | undefined, now: Date): string | null {
  if (expires === undefined || expires === null || expires === '' || expires === 'never')
    return null
  if (/^\s*-/.test(expires)) {
    throw new KeyInputError(`"${expires.trim()}" is negative: an expiry counts forward (2h, 7d)`)
  }
  try {
    return parseExpiry(expires, now).toISOString()
  } catch (err) {
    throw new KeyInputError((err as Error).message)
  }
}

/** What may be shown of a key: never the hash. */
export function publicKey(k: KeyRecord) {
  const { hash: _hash, ...rest } = k
  return rest
}

/** 409 when another working key has the name: two "Sam's phone" cannot be told apart. */
function refuseTakenName(c: Config, name: string, now: Date, exceptId: string | null): void {
  const other = nameTakenBy(c, name, now.getTime(), exceptId)
  if (other === null) return
  throw new KeyInputError(
    `a key named "${other.name}" exists already (id ${other.id}); choose another name, or revoke that key first`,
    409,
  )
}

function guestScopes(scopes: Scope[]): Scope[] {
  if (scopes.some((s) => s !== 'inference')) {
    throw new KeyInputError('a guest key has the inference scope only')
  }
  return ['inference']
}

/** A guest key always expires, not in the past and within GUEST_MAX_DAYS. */
function guestExpiry(expires: string | null, now: Date): string {
  const at = expiryOf(expires, now)
  if (at === null) throw new KeyInputError('a guest key must expire (for example 2h, 24h or 7d)')
  if (Date.parse(at) <= now.getTime()) {
    throw new KeyInputError('a guest key must expire in the future')
  }
  if (Date.parse(at) > now.getTime() + GUEST_MAX_DAYS * 86_400_000) {
    throw new KeyInputError(
      `a guest key lives at most ${GUEST_MAX_DAYS} days ("${String(expires).trim()}" is longer): choose ${GUEST_MAX_DAYS}d or less, or create a regular key`,
    )
  }
  return at
}

function subnetOf(subnet: string | null | undefined): string | null {
  if (subnet === undefined || subnet === null || subnet.trim() === '') return null
  const problem = checkSubnet(subnet)
  if (problem !== null) throw new KeyInputError(`subnet: ${problem}`)
  return subnet.trim()
}

function keepAliveOf(value: string | number | null | undefined): number | null {
  if (value === undefined || value === null || value === '' || value === 'none') return null
  try {
    return parseKeepAliveMax(value)
  } catch (err) {
    throw new KeyInputError(`keep-alive cap: ${(err as Error).message}`)
  }
}

/** Every option checked against Ollama's names and types; all problems in one message. */
function checkOptions(options: Record<string, unknown>): OllamaOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new KeyInputError('options must be an object of Ollama option names and values')
  }
  const problems: string[] = []
  for (const [name, value] of Object.entries(options)) {
    const problem = checkOllamaOption(name, value)
    if (problem !== null) problems.push(problem)
  }
  if (problems.length > 0) throw new KeyInputError(problems.join('; '))
  return { ...options } as OllamaOptions
}

function mergeOptions(
  current: OllamaOptions,
  patch: Record<string, unknown> | null,
): OllamaOptions {
  if (patch === null) return {}
  const next: Record<string, unknown> = { ...current }
  const set: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete next[name]
    else set[name] = value
  }
  return { ...(next as OllamaOptions), ...checkOptions(set) }
}
