// Settings patches: every value is checked against the config schema's own field when it is
// put into a plan, so a plan never carries a value Corral would refuse to load.
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigSchema } from '../config/schema.js'
import {
  note,
  type ConfigPatch,
  type ImportPlan,
  type SettingPath,
  type SettingValue,
  type SourceLocation,
} from './types.js'

/** Array settings an import adds to instead of replacing: a deny list only grows. */
export const UNION_SETTINGS: ReadonlySet<string> = new Set(['access.deny', 'ensureModels'])

const NOT_SETTINGS = new Set(['version', 'keys', 'backends'])

type Json = Record<string, unknown>

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function propertiesOf(schema: TSchema): Record<string, TSchema> | undefined {
  const props: unknown = (schema as { properties?: unknown }).properties
  return isPlainObject(props) ? (props as Record<string, TSchema>) : undefined
}

/** The schema of one setting (a leaf of the config), or undefined when there is no such setting. */
export function settingSchema(path: string): TSchema | undefined {
  const parts = path.split('.')
  if (NOT_SETTINGS.has(parts[0] ?? '')) return undefined
  let schema: TSchema = ConfigSchema
  for (const part of parts) {
    const props = propertiesOf(schema)
    const next = props !== undefined && Object.hasOwn(props, part) ? props[part] : undefined
    if (next === undefined) return undefined
    schema = next
  }
  return propertiesOf(schema) === undefined ? schema : undefined
}

/** Why a value is not valid for a setting, or null when it is. */
export function settingProblem(path: string, value: unknown): string | null {
  const schema = settingSchema(path)
  if (schema === undefined) return `Corral has no setting ${path}`
  if (Value.Check(schema, value)) return null
  // For a nullable setting, the non-null branch gives the useful message ("greater or equal").
  const branches = (schema as { anyOf?: TSchema[] }).anyOf?.filter((s) => s.type !== 'null')
  const target = branches?.length === 1 && branches[0] !== undefined ? branches[0] : schema
  const first = Value.Errors(target, value).First()
  if (first === undefined) return 'invalid value'
  return first.message.charAt(0).toLowerCase() + first.message.slice(1)
}

/** Reads a dotted path out of a nested object. */
export function getPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const part of path.split('.')) {
    if (!isPlainObject(cur)) return undefined
    cur = cur[part]
  }
  return cur
}

/** Writes a dotted path into a nested object, creating objects on the way. */
export function setPath(obj: Json, path: string, value: unknown): void {
  const parts = path.split('.')
  let cur = obj
  for (const part of parts.slice(0, -1)) {
    const next = cur[part]
    if (isPlainObject(next)) cur = next
    else cur = cur[part] = {}
  }
  cur[parts[parts.length - 1] ?? ''] = value
}

/** Every leaf of a patch as [dotted path, value]; arrays and null are leaves. */
export function flattenPatch(patch: unknown, prefix = ''): Array<[string, unknown]> {
  if (!isPlainObject(patch)) return prefix === '' ? [] : [[prefix, patch]]
  return Object.entries(patch).flatMap(([k, v]) =>
    isPlainObject(v) ? flattenPatch(v, `${prefix}${k}.`) : [[`${prefix}${k}`, v]],
  )
}

/**
 * Puts a setting into a plan after checking it against the schema; an invalid value becomes a
 * warning instead. Returns whether it was set.
 */
export function setSetting<P extends SettingPath>(
  plan: ImportPlan,
  path: P,
  value: SettingValue<P>,
  at: SourceLocation,
  label = path as string,
): boolean {
  const problem = settingProblem(path, value)
  if (problem !== null) {
    const what = label === path ? path : `${label} (Corral's ${path})`
    note(plan, 'warn', at, `${what} = ${JSON.stringify(value)} not imported: ${problem}`)
    return false
  }
  setPath(plan.settings as Json, path, value)
  plan.settingOrigins = { ...plan.settingOrigins, [path]: at }
  return true
}

/** Combines two values of one array setting the way an import does (union or replace). */
export function combineArray(path: string, before: unknown, after: unknown): unknown {
  if (!UNION_SETTINGS.has(path) || !Array.isArray(before) || !Array.isArray(after)) return after
  const id = (v: unknown): string =>
    path === 'ensureModels' && isPlainObject(v) ? String(v.model) : JSON.stringify(v)
  const seen = new Set(before.map(id))
  return [...before, ...after.filter((v) => !seen.has(id(v)) && seen.add(id(v)))]
}

/** Whether two setting values are the same (deep, order-sensitive for arrays). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Merges `later` into `earlier` (both patches); a leaf both set differently is reported through
 * `conflict` and the later value wins (union settings are combined instead).
 */
export function mergePatches(
  earlier: ConfigPatch,
  later: ConfigPatch,
  conflict: (path: string, before: unknown, after: unknown) => void,
): ConfigPatch {
  const out = structuredClone(earlier) as Json
  for (const [path, value] of flattenPatch(later)) {
    const before = getPath(out, path)
    if (before === undefined) {
      setPath(out, path, structuredClone(value))
    } else if (UNION_SETTINGS.has(path)) {
      setPath(out, path, combineArray(path, before, value))
    } else if (!sameValue(before, value)) {
      conflict(path, before, value)
      setPath(out, path, structuredClone(value))
    }
  }
  return out as ConfigPatch
}
