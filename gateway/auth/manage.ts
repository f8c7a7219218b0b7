// Creating, changing and revoking keys: shared by the control API, the Go
// gateway's /config/new-key and the CLI (which edits the data dir directly
// when no server runs). Each takes the store's `update` so the write is atomic.
import type { Config, KeyLimits, KeyRecord, Scope } from '../config/schema.js'
import { displayPrefix, generateKey, hashKey, parseExpiry } from './keys.js'
import { newId } from '../util/ids.js'

export type UpdateConfig = (mutator: (draft: Config) => Config | void) => Promise<Config>

export interface KeyInput {
  name: string
  scopes?: Scope[]
  models?: string[]
  limits?: KeyLimits
  /** `7d`, `12h`, an ISO date, or null for never. */
  expires?: string | null
}

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
  const record: KeyRecord = {
    id: newId(),
    name: cleanName(input.name),
    hash: hashKey(key),
    prefix: displayPrefix(key),
    scopes: input.scopes && input.scopes.length > 0 ? [...new Set(input.scopes)] : ['inference'],
    models: input.models ?? [],
    limits: input.limits ?? {},
    createdAt: now.toISOString(),
    expiresAt: expiryOf(input.expires, now),
    revokedAt: null,
    source: 'created',
  }
  await update((c) => {
    c.keys.push(record)
  })
  return { record, key }
}

export interface KeyPatch {
  name?: string
  scopes?: Scope[]
  models?: string[]
  limits?: KeyLimits
  expires?: string | null
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
    if (patch.name !== undefined) k.name = cleanName(patch.name)
    if (patch.scopes !== undefined) k.scopes = [...new Set(patch.scopes)]
    if (patch.models !== undefined) k.models = patch.models
    if (patch.limits !== undefined) k.limits = { ...k.limits, ...patch.limits }
    if (patch.expires !== undefined) k.expiresAt = expiryOf(patch.expires, now)
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
  const byName = config.keys.filter((k) => k.name === idOrName)
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
