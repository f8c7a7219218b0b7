// Turning bytes into a valid Config: parse, migrate, fill defaults, check.
// Pure functions: the store does the I/O.
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { ConfigSchema, CONFIG_VERSION, type Config } from './schema.js'

// TypeBox checks no string formats until they are registered.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)))
}

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(message)
    this.name = 'ConfigError'
  }
}

type Raw = Record<string, unknown>

/**
 * Migrations, one small function per version step: MIGRATIONS[n] turns a
 * version-n file into a version-(n+1) file. Version 1 is the first format.
 */
const MIGRATIONS: Record<number, (raw: Raw) => Raw> = {}

export function migrate(raw: Raw): Raw {
  let version = typeof raw.version === 'number' ? raw.version : 1
  if (version > CONFIG_VERSION) {
    throw new ConfigError(
      `config.json was written by a newer Corral (format ${version}, this one reads up to ${CONFIG_VERSION})`,
    )
  }
  let out = raw
  while (version < CONFIG_VERSION) {
    const step = MIGRATIONS[version]
    if (!step) throw new ConfigError(`no migration from config format ${version}`)
    out = step(out)
    version += 1
  }
  return { ...out, version: CONFIG_VERSION }
}

/** Fill defaults and validate; throws ConfigError naming each bad field by its path. */
export function normalizeConfig(raw: unknown): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('config must be a JSON object')
  }
  const migrated = repairPlainPort(migrate(raw as Raw))
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(migrated)) as unknown
  if (!Value.Check(ConfigSchema, withDefaults)) {
    const problems = [...Value.Errors(ConfigSchema, withDefaults)]
      .slice(0, 5)
      .map((e) => `${e.path || '/'}: ${e.message}`)
    throw new ConfigError(`invalid config: ${problems.join('; ')}`)
  }
  const config = withDefaults as Config
  checkUnique(
    config.keys.map((k) => k.id),
    'key id',
  )
  checkUnique(
    config.keys.map((k) => k.hash),
    'key',
  )
  checkUnique(
    config.backends.map((b) => b.id),
    'backend id',
  )
  return config
}

/**
 * Settings → HTTPS once saved an empty plain port as 0 (issue 27), which opened plain HTTP on
 * a random port: 0 there has only ever meant "none".
 */
function repairPlainPort(raw: Raw): Raw {
  const tls = (raw.server as Raw | undefined)?.tls as Raw | undefined
  if (tls?.plainPort !== 0) return raw
  return { ...raw, server: { ...(raw.server as Raw), tls: { ...tls, plainPort: null } } }
}

export function parseConfigText(text: string, file?: string): Config {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(
      `${file ?? 'config'} is not valid JSON (${(err as Error).message}); it may be truncated`,
      file,
    )
  }
  try {
    return normalizeConfig(raw)
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.message, file)
    throw err
  }
}

export function defaultConfig(): Config {
  return normalizeConfig({})
}

export function serializeConfig(config: Config): string {
  return JSON.stringify(config, null, 2) + '\n'
}

function checkUnique(values: string[], what: string): void {
  const seen = new Set<string>()
  for (const v of values) {
    if (seen.has(v)) throw new ConfigError(`invalid config: duplicate ${what} ${v.slice(0, 12)}`)
    seen.add(v)
  }
}
