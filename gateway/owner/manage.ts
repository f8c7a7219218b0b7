// The owner's pause, resume and "mine" changes to config.json: shared by the control API
// and the CLI (which edits the data dir itself when no server runs). Each takes the
// store's `update`, so a change is validated and written atomically, or not at all.
import type { Config, KeyRecord, PauseRecord } from '../config/schema.js'
import type { UpdateConfig } from '../auth/manage.js'
import { pauseActive } from './pauses.js'

/** Bad input to an owner control: `status` is what the control API answers (400, 404). */
export class OwnerInputError extends Error {
  override name = 'OwnerInputError'
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message)
  }
}

const UNIT_MS = { s: 1e3, m: 60e3, h: 3_600e3, d: 86_400e3 } as const
/** A pause longer than this is a mistake (`--for 30d` meant minutes?): use no duration. */
export const MAX_PAUSE_MS = 30 * 86_400e3

/** `90s`, `30m`, `1.5h`, `2d`, `1h30m` → milliseconds; throws OwnerInputError otherwise. */
export function parseDuration(input: string): number {
  const text = input.trim().toLowerCase()
  const parts = /^(?:\d+(?:\.\d+)?\s*[smhd]\s*)+$/.test(text)
    ? [...text.matchAll(/(\d+(?:\.\d+)?)\s*([smhd])/g)]
    : []
  const ms = parts.reduce((sum, m) => sum + Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS], 0)
  if (parts.length === 0 || !(ms >= 1000)) {
    throw new OwnerInputError(
      400,
      `cannot read "${input}" as a duration: use a positive time such as 90s, 30m, 2h or 1d`,
    )
  }
  if (ms > MAX_PAUSE_MS) {
    throw new OwnerInputError(400, `a pause lasts at most 30 days; leave out the duration instead`)
  }
  return Math.round(ms)
}

export interface PauseInput {
  /** A duration (`30m`); absent or null: until resumed. */
  for?: string | null
  /** New requests wait in the fair queue instead of being refused. */
  queue?: boolean
}

/** By id, or by name when exactly one key has it; 404 otherwise. */
export function findOwnerKey(config: Config, idOrName: string): KeyRecord {
  const byId = config.keys.find((k) => k.id === idOrName)
  if (byId) return byId
  const byName = config.keys.filter((k) => k.name === idOrName)
  if (byName.length === 1) return byName[0]!
  if (byName.length > 1)
    throw new OwnerInputError(400, `several keys are named "${idOrName}"; use the id`)
  throw new OwnerInputError(404, `no key with id or name "${idOrName}"`)
}

function pauseRecord(input: PauseInput, now: number): PauseRecord {
  const ms = input.for == null || input.for === '' ? null : parseDuration(input.for)
  return {
    since: new Date(now).toISOString(),
    until: ms === null ? null : new Date(now + ms).toISOString(),
    queue: input.queue === true,
  }
}

export interface KeyPauseView extends PauseRecord {
  keyId: string
  keyName: string
}

export async function pauseKey(
  update: UpdateConfig,
  idOrName: string,
  input: PauseInput,
  now: number,
): Promise<KeyPauseView> {
  const pause = pauseRecord(input, now) // bad input fails before anything is written
  let view: KeyPauseView | null = null
  await update((c) => {
    const key = findOwnerKey(c, idOrName)
    c.owner.paused = c.owner.paused.filter((p) => p.keyId !== key.id)
    c.owner.paused.push({ keyId: key.id, ...pause })
    view = { keyId: key.id, keyName: key.name, ...pause }
  })
  return view!
}

export async function resumeKey(
  update: UpdateConfig,
  idOrName: string,
): Promise<{ keyId: string; keyName: string; wasPaused: boolean }> {
  let out: { keyId: string; keyName: string; wasPaused: boolean } | null = null
  await update((c) => {
    const key = findOwnerKey(c, idOrName)
    const before = c.owner.paused.length
    c.owner.paused = c.owner.paused.filter((p) => p.keyId !== key.id)
    out = { keyId: key.id, keyName: key.name, wasPaused: c.owner.paused.length < before }
  })
  return out!
}

/** "Pause everyone but me": refused (never queued) until resumed or `for` runs out. */
export async function pauseEveryone(
  update: UpdateConfig,
  input: Pick<PauseInput, 'for'>,
  now: number,
): Promise<PauseRecord> {
  const pause = pauseRecord({ for: input.for, queue: false }, now)
  await update((c) => {
    c.owner.everyone = pause
  })
  return pause
}

/** Ends "everyone but me" only (keys paused one by one stay paused): the tray's toggle. */
export async function endPauseEveryone(update: UpdateConfig): Promise<void> {
  await update((c) => {
    c.owner.everyone = null
  })
}

/** Ends "everyone but me" and every key's own pause: everyone works again. */
export async function resumeEveryone(update: UpdateConfig): Promise<{ resumed: number }> {
  let resumed = 0
  await update((c) => {
    resumed = c.owner.paused.length + (c.owner.everyone === null ? 0 : 1)
    c.owner.paused = []
    c.owner.everyone = null
  })
  return { resumed }
}

/** Mark a key as the owner's (it keeps working during "pause everyone but me"), or not. */
export async function setOwnKey(
  update: UpdateConfig,
  idOrName: string,
  own: boolean,
): Promise<{ keyId: string; keyName: string; own: boolean }> {
  let out: { keyId: string; keyName: string; own: boolean } | null = null
  await update((c) => {
    const key = findOwnerKey(c, idOrName)
    const rest = c.owner.ownKeys.filter((id) => id !== key.id)
    c.owner.ownKeys = own ? [...rest, key.id] : rest
    out = { keyId: key.id, keyName: key.name, own }
  })
  return out!
}

/** Takes pauses that ended out of the config; false (write nothing) when none did. */
export function dropEndedPauses(c: Config, now: number): boolean {
  const paused = c.owner.paused.filter((p) => pauseActive(p, now))
  const everyoneEnded = c.owner.everyone !== null && !pauseActive(c.owner.everyone, now)
  if (paused.length === c.owner.paused.length && !everyoneEnded) return false
  c.owner.paused = paused
  if (everyoneEnded) c.owner.everyone = null
  return true
}
