// Which secrets can be imported, and how to talk about one without printing it.
import { note, type ImportPlan, type SourceFormat, type SourceLocation } from './types.js'

/** Shorter keys are refused: they are guessable, and usually a placeholder or a typo. */
export const MIN_KEY_LENGTH = 8

/** Why a secret cannot be imported as a Corral key, or null when it can. */
export function keyProblem(key: string): string | null {
  if (key.length === 0) return 'is empty'
  if (/\s/.test(key)) return 'contains whitespace, which no client can send inside a header value'
  if (key.length < MIN_KEY_LENGTH) return `is shorter than ${MIN_KEY_LENGTH} characters`
  if (!/^[\x21-\x7e]+$/.test(key)) {
    return 'contains characters outside printable ASCII, which HTTP headers cannot carry reliably'
  }
  return null
}

/** A way to point at a key in a note: never the whole secret, only a short prefix of long keys. */
export function describeKey(key: string): string {
  if (key.length >= 16 && /^[\x21-\x7e]+$/.test(key.slice(0, 4))) {
    return `key "${key.slice(0, 4)}…" (${key.length} characters)`
  }
  return `a ${key.length}-character key`
}

/** Adds a key to a plan, or a note saying why it was refused. */
export function addKey(
  plan: ImportPlan,
  key: string,
  source: SourceFormat,
  at: SourceLocation,
): void {
  const problem = keyProblem(key)
  if (problem !== null) {
    note(plan, 'warn', at, `skipped ${describeKey(key)}: it ${problem}`)
    return
  }
  plan.keys.push(
    at.line === undefined
      ? { key, name: '', source, file: at.file }
      : { key, name: '', source, file: at.file, line: at.line },
  )
}
