// Reading the Go gateway's JSON leniently: fields by name in any case (as Go's encoding/json
// matches them), the line each field or value is on, and a note for what does not fit.
import { lineAt, note, type ImportPlan, type SourceLocation } from './types.js'

export type Obj = Record<string, unknown>

export interface Ctx {
  plan: ImportPlan
  file: string
  text: string
}

export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The line a JSON error points at, from V8's "at position N" or "(line L column C)". */
export function jsonErrorLine(text: string, error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : ''
  const line = /line (\d+) column \d+/.exec(message)?.[1]
  if (line !== undefined) return Number(line)
  const position = /at position (\d+)/.exec(message)?.[1]
  return position === undefined ? undefined : lineAt(text, Number(position))
}

export interface Field {
  name: string
  value: unknown
}

/** A field by its documented name, matched case-insensitively. */
export function field(obj: Obj, name: string): Field | undefined {
  const lower = name.toLowerCase()
  const actual = Object.keys(obj).find((k) => k.toLowerCase() === lower)
  return actual === undefined ? undefined : { name: actual, value: obj[actual] }
}

/** Where a field's name (or a string value) first appears after a given field. */
export function at(ctx: Ctx, needle: string, after?: string): SourceLocation {
  const from = after === undefined ? 0 : Math.max(0, ctx.text.indexOf(JSON.stringify(after)))
  const index = ctx.text.indexOf(JSON.stringify(needle), from)
  return index === -1 ? { file: ctx.file } : { file: ctx.file, line: lineAt(ctx.text, index) }
}

/** Locates the strings of one array in order, so a repeated value gets its own line. */
export function cursor(ctx: Ctx, f: Field): (value: string) => SourceLocation {
  let from = Math.max(0, ctx.text.indexOf(JSON.stringify(f.name)))
  return (value) => {
    const index = ctx.text.indexOf(JSON.stringify(value), from)
    if (index === -1) return at(ctx, f.name)
    from = index + 1
    return { file: ctx.file, line: lineAt(ctx.text, index) }
  }
}

export function unknownFields(ctx: Ctx, obj: Obj, known: readonly string[], parent: string): void {
  const lower = new Set(known.map((k) => k.toLowerCase()))
  for (const name of Object.keys(obj)) {
    if (lower.has(name.toLowerCase())) continue
    note(
      ctx.plan,
      'warn',
      at(ctx, name, parent || undefined),
      `unknown field "${parent ? `${parent}.` : ''}${name}" ignored`,
    )
  }
}

export function wrongType(ctx: Ctx, f: Field, expected: string): void {
  note(ctx.plan, 'warn', at(ctx, f.name), `${f.name} ignored: expected ${expected}`)
}
