// Environment variables written in a file: a `.env` / `docker run --env-file` file, or the
// `environment:` section of a docker-compose.yml (how the one-token Docker image is run).
import { ENV_VARIABLES, planFromEnv } from './env.js'
import type { ImportNote, ImportPlan } from './types.js'

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/
/** `- NAME=value` or `- "NAME=value"` in a compose `environment:` list. */
const COMPOSE_LIST = /^\s*-\s+(["']?)([A-Za-z_][A-Za-z0-9_]*)=(.*)\1\s*$/
/** `NAME: value` in a compose `environment:` map. */
const COMPOSE_MAP = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s+(.*)$/

const KNOWN: readonly string[] = ENV_VARIABLES

/** Whether a file name is a YAML file (docker-compose.yml and friends). */
export function isYamlFile(file: string): boolean {
  return /\.ya?ml$/i.test(file)
}

/** The value of an assignment: surrounding quotes removed, a trailing ` # comment` dropped. */
export function envValue(raw: string): string {
  const v = raw.trim()
  const double = /^"((?:[^"\\]|\\.)*)"(\s+#.*)?$/.exec(v)
  if (double) return (double[1] ?? '').replace(/\\(["\\])/g, '$1')
  const single = /^'([^']*)'(\s+#.*)?$/.exec(v)
  if (single) return single[1] ?? ''
  return v.replace(/\s+#.*$/, '')
}

function assignment(line: string, yaml: boolean): [string, string] | null | 'ignore' {
  if (!yaml) {
    const m = ASSIGNMENT.exec(line)
    return m === null ? null : [m[1] ?? '', envValue(m[2] ?? '')]
  }
  const list = COMPOSE_LIST.exec(line)
  if (list !== null) return [list[2] ?? '', envValue(list[3] ?? '')]
  const map = COMPOSE_MAP.exec(line)
  if (map !== null && KNOWN.includes(map[1] ?? '')) return [map[1] ?? '', envValue(map[2] ?? '')]
  return 'ignore'
}

/**
 * Reads NAME=value lines (or, for a .yml file, a compose `environment:` section) into an env
 * plan. Values taken from the shell (`${VAR}`) cannot be imported and are noted.
 */
export function parseEnvFile(file: string, text: string): ImportPlan {
  const env: Record<string, string> = {}
  const lines: Record<string, number> = {}
  const notes: ImportNote[] = []
  const yaml = isYamlFile(file)
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    const line = i + 1
    if (raw.trim() === '' || raw.trim().startsWith('#')) return
    const found = assignment(raw, yaml)
    if (found === 'ignore') return
    if (found === null) {
      notes.push({ level: 'warn', file, line, message: 'not a NAME=value line; skipped' })
      return
    }
    const [name, value] = found
    if (!KNOWN.includes(name)) {
      if (!yaml)
        notes.push({
          level: 'info',
          file,
          line,
          message: `${name} ignored: not a setting corral import reads`,
        })
    } else if (/\$\{|^\$[A-Za-z_]/.test(value)) {
      notes.push({
        level: 'warn',
        file,
        line,
        message: `${name} comes from the shell (${value}); import the file that sets it instead`,
      })
    } else {
      if (env[name] !== undefined) {
        notes.push({
          level: 'warn',
          file,
          line,
          message: `${name} is set again; this later value wins`,
        })
      }
      env[name] = value
      lines[name] = line
    }
  })
  const plan = planFromEnv(env, { file, lines })
  plan.notes.unshift(...notes)
  return plan
}
