// Several files into one plan: the same secret or backend URL is taken once (the first place it
// appears wins), settings merge with the later file winning and the conflict noted.
import { backendIdentity } from './backend-url.js'
import { describeKey } from './keys.js'
import { mergePatches } from './settings.js'
import { emptyPlan, IMPORT_FILE, note, type ImportPlan, type SourceLocation } from './types.js'

/** `file:line`, or `file` when the line is unknown. */
export function where(at: SourceLocation): string {
  return at.line === undefined ? at.file : `${at.file}:${at.line}`
}

function loc(at: SourceLocation): SourceLocation {
  return at.line === undefined ? { file: at.file } : { file: at.file, line: at.line }
}

/**
 * Drops repeated keys (same secret) and backends (same URL, `localhost` = `127.0.0.1`) from a
 * plan, with a note each.
 */
export function dedupePlan(plan: ImportPlan): ImportPlan {
  const out: ImportPlan = { ...plan, keys: [], backends: [], notes: [...plan.notes] }
  const keys = new Map<string, SourceLocation>()
  for (const k of plan.keys) {
    const first = keys.get(k.key)
    if (first === undefined) {
      keys.set(k.key, k)
      out.keys.push(k)
    } else {
      note(
        out,
        'info',
        loc(k),
        `${describeKey(k.key)} repeats the one at ${where(first)}; taken once`,
      )
    }
  }
  const backends = new Map<string, ImportPlan['backends'][number]>()
  for (const b of plan.backends) {
    const first = backends.get(backendIdentity(b.url))
    if (first === undefined) {
      backends.set(backendIdentity(b.url), b)
      out.backends.push(b)
      continue
    }
    const same =
      first.weight === b.weight && first.capacity === b.capacity && first.enabled === b.enabled
    const message = `backend ${b.url} repeats ${first.url} at ${where(first)}; taken once`
    note(
      out,
      same ? 'info' : 'warn',
      loc(b),
      same ? message : `${message} with the first one's settings`,
    )
  }
  return out
}

/** One plan from several (in command-line order), deduplicated. */
export function mergePlans(plans: ImportPlan[]): ImportPlan {
  const out = emptyPlan()
  for (const p of plans) {
    out.keys.push(...p.keys)
    out.backends.push(...p.backends)
    out.notes.push(...p.notes)
    out.settings = mergePatches(out.settings, p.settings, (path, before, after) => {
      const was = out.settingOrigins?.[path]
      const now = p.settingOrigins?.[path]
      const from = was === undefined ? '' : ` (from ${where(was)})`
      note(
        out,
        'warn',
        now ?? { file: IMPORT_FILE },
        `${path} is ${JSON.stringify(after)} here but ${JSON.stringify(before)} earlier${from}; using ${JSON.stringify(after)}`,
      )
    })
    out.settingOrigins = { ...out.settingOrigins, ...p.settingOrigins }
  }
  return dedupePlan(out)
}
