// The key dialog's form: its state, how it is filled from a key (to edit it), and how it
// becomes what the control API takes (a new key, or a patch of what changed). Shared by the
// dialog and its fields, which import this module and never each other.
import type { KeyInput, KeyPatch, KeyView, Limits, Scope } from '../api/types.js'
import {
  modelOptionsPatch,
  modelOptionsStateOf,
  NO_MODEL_OPTIONS,
  optionsOf,
  type ModelOptionsState,
} from './model-options-fields.js'

export interface FormState {
  name: string
  scopes: Scope[]
  /** Names and `family:*` patterns, separated by commas or spaces; empty: every model. */
  models: string
  requests: string
  windowSeconds: number
  tokensPerMinute: string
  concurrency: string
  maxOutputTokens: string
  /** A choice of EXPIRY / GUEST_EXPIRY; KEEP_EXPIRY leaves an edited key's expiry as it is. */
  expires: string
  /** A guest key: inference only, expires, bound to its first device's network. */
  guest: boolean
  subnet: string
  modelOptions: ModelOptionsState
}

export type SetField = <K extends keyof FormState>(k: K, v: FormState[K]) => void

export const KEEP_EXPIRY = 'keep'

export const EXPIRY = [
  { value: '', label: 'Never' },
  { value: '1d', label: 'In 1 day' },
  { value: '7d', label: 'In 7 days' },
  { value: '30d', label: 'In 30 days' },
  { value: '90d', label: 'In 90 days' },
]

/** A guest key always expires, within 30 days (the server refuses longer); a day by default. */
export const GUEST_EXPIRY = [
  { value: '1h', label: 'In 1 hour' },
  { value: '2h', label: 'In 2 hours' },
  { value: '8h', label: 'In 8 hours' },
  { value: '24h', label: 'In 24 hours' },
  { value: '3d', label: 'In 3 days' },
  { value: '7d', label: 'In 7 days' },
  { value: '30d', label: 'In 30 days' },
]
export const GUEST_DEFAULT_EXPIRY = '24h'

export function newForm(opts: { name?: string; guest?: boolean } = {}): FormState {
  const guest = opts.guest ?? false
  return {
    name: opts.name ?? '',
    scopes: ['inference'],
    models: '',
    requests: '',
    windowSeconds: 60,
    tokensPerMinute: '',
    concurrency: '',
    maxOutputTokens: '',
    expires: guest ? GUEST_DEFAULT_EXPIRY : '',
    guest,
    subnet: '',
    modelOptions: NO_MODEL_OPTIONS,
  }
}

const text = (n: number | null | undefined) => (n == null ? '' : String(n))

/** An existing key as the form shows it (to edit it). */
export function formOf(k: KeyView): FormState {
  return {
    name: k.name,
    scopes: [...k.scopes],
    models: k.models.join(', '),
    requests: text(k.limits.requests),
    windowSeconds: k.limits.windowSeconds ?? 60,
    tokensPerMinute: text(k.limits.tokensPerMinute),
    concurrency: text(k.limits.concurrency),
    maxOutputTokens: text(k.limits.maxOutputTokens),
    expires: KEEP_EXPIRY,
    guest: k.guest,
    subnet: k.subnet ?? '',
    modelOptions: modelOptionsStateOf(k.options, k.keepAliveMaxSeconds),
  }
}

export function modelList(models: string): string[] {
  return [
    ...new Set(
      models
        .split(/[\s,]+/)
        .map((m) => m.trim())
        .filter(Boolean),
    ),
  ]
}

const num = (s: string) => (s.trim() === '' ? null : Number(s))

/** The limits as typed: blank is "the default" (null). */
function limitsOf(f: FormState): Partial<Limits> {
  const requests = num(f.requests)
  return {
    requests,
    windowSeconds: f.windowSeconds,
    tokensPerMinute: num(f.tokensPerMinute),
    concurrency: num(f.concurrency),
    maxOutputTokens: num(f.maxOutputTokens),
  }
}

/** The form's state as the API wants it for a new key: blank limits are left to the defaults. */
export function keyInputOf(f: FormState): KeyInput {
  const all = limitsOf(f)
  const limits: Partial<Limits> = {}
  for (const [k, v] of Object.entries(all) as Array<[keyof Limits, number | null]>) {
    if (v !== null && k !== 'windowSeconds') (limits as Record<string, number>)[k] = v
  }
  if (limits.requests !== undefined) limits.windowSeconds = f.windowSeconds
  const models = modelList(f.models)
  const options = optionsOf(f.modelOptions)
  const name = f.name.trim()
  return {
    // A guest may stay unnamed: Corral names it after the time it was made.
    ...(name !== '' || !f.guest ? { name } : {}),
    ...(f.guest ? { guest: true } : { scopes: f.scopes }),
    ...(models.length > 0 ? { models } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    expires: f.expires || null,
    ...(f.subnet.trim() !== '' ? { subnet: f.subnet.trim() } : {}),
    ...(Object.keys(options).length > 0 ? { options } : {}),
    ...(f.modelOptions.keepAliveMax !== '' ? { keepAliveMax: f.modelOptions.keepAliveMax } : {}),
  }
}

/** What changed from the key `k` to the form, as a patch; empty when nothing did. */
export function keyPatchOf(k: KeyView, f: FormState): KeyPatch {
  const patch: KeyPatch = modelOptionsPatch(k.options, k.keepAliveMaxSeconds, f.modelOptions)
  if (f.name.trim() !== k.name) patch.name = f.name.trim()
  const subnet = f.subnet.trim()
  if (subnet !== (k.subnet ?? '')) patch.subnet = subnet === '' ? null : subnet
  const models = modelList(f.models)
  if (models.join(',') !== k.models.join(',')) patch.models = models
  if (!k.guest && [...f.scopes].sort().join(',') !== [...k.scopes].sort().join(',')) {
    patch.scopes = f.scopes
  }
  const limits = limitsOf(f)
  if (JSON.stringify(limits) !== JSON.stringify(limitsOf(formOf(k)))) patch.limits = limits
  if (f.expires !== KEEP_EXPIRY) patch.expires = f.expires || null
  return patch
}
