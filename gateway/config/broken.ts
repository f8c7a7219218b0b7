// A config.json that stopped loading while Corral runs (a hand edit with a syntax error, a
// field out of range): the running config stays, the file is copied to `config.json.broken`,
// the problem is shown (status, UI banner, `corral status`), and no change from the UI or the
// CLI overwrites the file until the owner fixes it or discards it (409 CORRAL_CONFIG_BROKEN).
import fs from 'node:fs'
import { jsonErrorLine } from './json-error.js'

export interface ConfigProblem {
  /** What is wrong, in words (the parser's or the validator's message). */
  message: string
  /** The line of a syntax error (1-based), when the parser said where. */
  line: number | null
  /** Where the broken text was kept (null: it could not be copied). */
  copy: string | null
  /** When it was seen (ISO). */
  since: string
}

/** A change refused while config.json on disk does not load: it would overwrite the hand edit. */
export class ConfigBrokenError extends Error {
  override name = 'ConfigBrokenError'
  readonly status = 409
  constructor(readonly problem: ConfigProblem) {
    super(brokenMessage(problem))
  }
}

export function brokenMessage(p: ConfigProblem): string {
  const where = p.line !== null ? `has a syntax error at line ${p.line}` : 'does not load'
  const kept = p.copy !== null ? ` (a copy is kept at ${p.copy})` : ''
  return (
    `config.json ${where}${kept}: ${p.message}. Nothing was changed: fix the file (Corral ` +
    "re-reads it when it is saved), or discard the edit (the UI's banner, or POST " +
    '/control/config/discard) to write the running settings back.'
  )
}

/** Problem of a text that failed to load: keeps a copy at `file.broken` (best effort). */
export function recordProblem(file: string, text: string, err: Error, now: number): ConfigProblem {
  const copy = `${file}.broken`
  let kept: string | null = copy
  try {
    fs.writeFileSync(copy, text, { mode: 0o600 })
  } catch {
    kept = null
  }
  const line = jsonErrorLine(text)
  return { message: err.message, line, copy: kept, since: new Date(now).toISOString() }
}
