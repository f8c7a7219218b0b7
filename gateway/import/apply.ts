// A plan onto a config. Pure: the clock and ids come in through deps, nothing is read or
// written, so the CLI can show a dry run by applying to the current config and discarding it.
import { Value } from '@sinclair/typebox/value'
import { hashKey } from '../auth/keys.js'
import { BackendSchema, KeySchema, type Config } from '../config/schema.js'
import { backendIdentity, normalizeBackendUrl } from './backend-url.js'
import { keyProblem, describeKey } from './keys.js'
import { where } from './merge.js'
import {
  combineArray,
  flattenPatch,
  getPath,
  sameValue,
  setPath,
  settingProblem,
} from './settings.js'
import { IMPORT_FILE, type ImportNote, type ImportPlan, type SourceLocation } from './types.js'

export interface ApplyDeps {
  now: () => Date
  newId: () => string
}

export interface SettingChange {
  path: string
  from: unknown
  to: unknown
}

export interface ApplyReport {
  keysAdded: number
  /** Keys already in the config (same hash, revoked or not) or refused. */
  keysSkipped: number
  backendsAdded: number
  /** Backends already in the config (same URL) or refused. */
  backendsSkipped: number
  /** Dotted paths of the settings whose value changed. */
  settingsChanged: string[]
  /** The plan's notes followed by what applying it noticed. */
  notes: ImportNote[]
  /** The keys added, by name and prefix (never the secret), for a summary or a dry run. */
  addedKeys: Array<{ id: string; name: string; prefix: string } & SourceLocation>
  addedBackends: Array<{ id: string; name: string; url: string; enabled: boolean }>
  /** Each changed setting with its value before and after. */
  settingChanges: SettingChange[]
}

const IMPORTED_NAME = /^imported-(\d+)$/

/** The start of a key for telling keys apart: at most 8 characters and a quarter of the key. */
export function keyPrefix(key: string): string {
  return key.slice(0, Math.min(8, Math.floor(key.length / 4)))
}

function loc(at: SourceLocation): SourceLocation {
  return at.line === undefined ? { file: at.file } : { file: at.file, line: at.line }
}

/**
 * Applies a plan to a config and returns the new config with a report. Keys are stored hashed
 * and named `imported-N` after the highest existing `imported-N`; a key whose hash is already
 * present (even revoked) and a backend whose URL is already present are skipped, so applying
 * the same plan twice changes nothing the second time.
 */
export function applyPlan(
  config: Config,
  plan: ImportPlan,
  deps: ApplyDeps,
): { config: Config; report: ApplyReport } {
  const next = structuredClone(config)
  const report: ApplyReport = {
    keysAdded: 0,
    keysSkipped: 0,
    backendsAdded: 0,
    backendsSkipped: 0,
    settingsChanged: [],
    notes: [...plan.notes],
    addedKeys: [],
    addedBackends: [],
    settingChanges: [],
  }
  applyKeys(next, plan, deps, report)
  applyBackends(next, plan, deps, report)
  applySettings(next, plan, report)
  return { config: next, report }
}

function applyKeys(config: Config, plan: ImportPlan, deps: ApplyDeps, report: ApplyReport): void {
  const byHash = new Map(config.keys.map((k) => [k.hash, k]))
  let n = Math.max(0, ...config.keys.map((k) => Number(IMPORTED_NAME.exec(k.name)?.[1] ?? 0)))
  for (const k of plan.keys) {
    const problem = keyProblem(k.key)
    const hash = hashKey(k.key)
    const existing = byHash.get(hash)
    if (problem !== null || existing !== undefined) {
      report.keysSkipped++
      const message =
        problem !== null
          ? `skipped ${describeKey(k.key)}: it ${problem}`
          : existing?.revokedAt != null
            ? `${describeKey(k.key)} was revoked in Corral as "${existing.name}"; not re-enabled`
            : `${describeKey(k.key)} is already in Corral as "${existing?.name ?? ''}"; skipped`
      report.notes.push({ level: problem !== null ? 'warn' : 'info', ...loc(k), message })
      continue
    }
    const record = Value.Default(KeySchema, {
      id: deps.newId(),
      name: `imported-${++n}`,
      hash,
      prefix: keyPrefix(k.key),
      createdAt: deps.now().toISOString(),
      source: k.source === 'env' ? 'env' : 'imported',
    }) as Config['keys'][number]
    // Value.Default fills the partial limits with each field's default (null = "no limit"),
    // which would override the default limits; an imported key inherits them instead.
    record.limits = {}
    config.keys.push(record)
    byHash.set(hash, record)
    report.keysAdded++
    report.addedKeys.push({ id: record.id, name: record.name, prefix: record.prefix, ...loc(k) })
  }
  if (report.keysAdded > 0) {
    report.notes.push({
      level: 'info',
      file: IMPORT_FILE,
      message:
        'imported keys have the inference scope; grant "models" to keys that pulled or deleted models through the old gateway',
    })
  }
}

function applyBackends(
  config: Config,
  plan: ImportPlan,
  deps: ApplyDeps,
  report: ApplyReport,
): void {
  const byUrl = new Map(config.backends.map((b) => [backendIdentity(b.url), b]))
  for (const b of plan.backends) {
    const normal = normalizeBackendUrl(b.url)
    if (!normal.ok) {
      report.backendsSkipped++
      const message = `skipped backend "${b.url}": ${normal.reason}`
      report.notes.push({ level: 'warn', ...loc(b), message })
      continue
    }
    const identity = backendIdentity(normal.url)
    const existing = byUrl.get(identity)
    if (existing !== undefined) {
      report.backendsSkipped++
      const message = `backend ${b.url} is already in Corral as "${existing.name}" (${existing.url}); skipped`
      report.notes.push({ level: 'info', ...loc(b), message })
      continue
    }
    const record = Value.Default(BackendSchema, {
      id: deps.newId(),
      name: b.name.slice(0, 100) || normal.host,
      url: normal.url,
      ...(b.weight === undefined
        ? {}
        : { weight: Math.min(100, Math.max(1, Math.round(b.weight))) }),
      ...(b.capacity === undefined
        ? {}
        : { capacity: Math.min(1024, Math.max(1, Math.round(b.capacity))) }),
      ...(b.enabled === undefined ? {} : { enabled: b.enabled }),
      source: 'manual',
    }) as Config['backends'][number]
    config.backends.push(record)
    byUrl.set(identity, record)
    report.backendsAdded++
    const { id, name, url, enabled } = record
    report.addedBackends.push({ id, name, url, enabled })
  }
}

function applySettings(config: Config, plan: ImportPlan, report: ApplyReport): void {
  for (const [path, value] of flattenPatch(plan.settings)) {
    const at = plan.settingOrigins?.[path] ?? { file: IMPORT_FILE }
    const problem = settingProblem(path, value)
    if (problem !== null) {
      const message = `${path} = ${JSON.stringify(value)} not applied: ${problem}`
      report.notes.push({ level: 'warn', ...loc(at), message })
      continue
    }
    const before = getPath(config, path)
    const after = Array.isArray(value) ? combineArray(path, before, value) : value
    if (sameValue(before, after)) continue
    setPath(config as unknown as Record<string, unknown>, path, structuredClone(after))
    report.settingsChanged.push(path)
    report.settingChanges.push({ path, from: before, to: after })
    if (path === 'access.allow') {
      const message = `access.allow replaced (it was ${JSON.stringify(before)}; now ${JSON.stringify(after)}), set from ${where(at)}`
      report.notes.push({ level: 'warn', ...loc(at), message })
    }
  }
}
