// Shared by the import tests: fixtures by name, a default config, deterministic deps.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Value } from '@sinclair/typebox/value'
import { ConfigSchema, type Config } from '../../gateway/config/schema.js'
import { parseImportFile, type ImportPlan } from '../../gateway/import/index.js'

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/import/', import.meta.url))

/** The text of a fixture file, byte for byte (no newline conversion). */
export function fixture(name: string): string {
  return readFileSync(FIXTURES_DIR + name, 'utf8')
}

/** A fixture parsed as `corral import` would, named by its file name only. */
export function parseFixture(name: string): ImportPlan {
  return parseImportFile(name, fixture(name))
}

/** A config with every default filled in, as a fresh data dir would hold. */
export function defaultConfig(): Config {
  return Value.Default(ConfigSchema, {}) as Config
}

/** A fixed clock and counting ids, so applied configs can be compared. */
export function fakeDeps(): { now: () => Date; newId: () => string } {
  let n = 0
  return { now: () => new Date('2025-01-02T03:04:05.000Z'), newId: () => `id-${++n}` }
}

/** The messages of a plan's notes at one level, for `toContainEqual(expect.stringMatching())`. */
export function messages(plan: Pick<ImportPlan, 'notes'>, level?: 'info' | 'warn'): string[] {
  return plan.notes.filter((n) => level === undefined || n.level === level).map((n) => n.message)
}
