// The shapes `corral import` works with: what a source file yields (an ImportPlan) before it
// touches a Corral config. Everything here is data; parsing and applying live next door.
import type { Config } from '../config/schema.js'

/** The gateways Corral replaces, by the file people arrive with. */
export type SourceFormat = 'nginx-keys' | 'nginx-upstreams' | 'keys-txt' | 'go-gateway' | 'env'

export const SOURCE_FORMATS: readonly SourceFormat[] = [
  'nginx-keys',
  'nginx-upstreams',
  'keys-txt',
  'go-gateway',
  'env',
]

/** The `file` of things that came from the process environment rather than a file. */
export const ENVIRONMENT_FILE = '(environment)'

/** The `file` of notes about the import as a whole (or settings whose origin is unknown). */
export const IMPORT_FILE = '(import)'

/** Where something was read: a file and, when known, its 1-based line. */
export interface SourceLocation {
  file: string
  line?: number
}

export interface ImportedKey extends SourceLocation {
  /** The secret exactly as clients send it (after `Bearer `), byte for byte. */
  key: string
  /** Empty in a plan; `applyPlan` names each added key `imported-N`. */
  name: string
  source: SourceFormat
}

export interface ImportedBackend extends SourceLocation {
  /** Normalized `http(s)://host:port` (an explicit port, never a trailing slash). */
  url: string
  /** A label for people: the line's trailing comment when there was one, else `host:port`. */
  name: string
  weight?: number
  /** nginx `max_conns=N`: requests sent at once (Corral's backend `capacity`). */
  capacity?: number
  /** `false` for nginx `backup` and `down` servers: imported but kept out of rotation. */
  enabled?: boolean
  source: SourceFormat
}

export interface ImportNote extends SourceLocation {
  level: 'info' | 'warn'
  message: string
}

/** Every key optional, all the way down; arrays are replaced (or unioned) whole, never patched. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T

/** The settings part of a config an import may change (keys and backends travel separately). */
export type ConfigPatch = DeepPartial<Omit<Config, 'version' | 'keys' | 'backends'>>

type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends readonly unknown[]
    ? `${P}${K}`
    : T[K] extends object
      ? Leaves<T[K], `${P}${K}.`>
      : `${P}${K}`
}[keyof T & string]

/** A dotted path to one setting, e.g. `limits.defaults.requests`. */
export type SettingPath = Leaves<Omit<Config, 'version' | 'keys' | 'backends'>>

/** The type of the setting at a dotted path. */
export type SettingValue<P extends string, T = Config> = P extends `${infer H}.${infer R}`
  ? H extends keyof T
    ? SettingValue<R, T[H]>
    : never
  : P extends keyof T
    ? T[P]
    : never

export interface ImportPlan {
  keys: ImportedKey[]
  backends: ImportedBackend[]
  settings: ConfigPatch
  /** Where each setting (by dotted path) was read, for notes; filled by the parsers. */
  settingOrigins?: Record<string, SourceLocation>
  /** What was taken and what could not be, in reading order. Never contains a whole secret. */
  notes: ImportNote[]
}

export const IMPORT_ERROR_CODE = 'CORRAL_ERR_IMPORT_FORMAT'

/** A file that cannot be read as any known format (or is broken beyond reading). */
export class ImportError extends Error {
  readonly code = IMPORT_ERROR_CODE
  readonly file: string
  readonly line: number | undefined

  constructor(file: string, line: number | undefined, message: string, options?: ErrorOptions) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`, options)
    this.name = 'ImportError'
    this.file = file
    this.line = line
  }
}

export function emptyPlan(): ImportPlan {
  return { keys: [], backends: [], settings: {}, notes: [] }
}

/** Appends a note to a plan; `at` gives the file and line. */
export function note(
  plan: ImportPlan,
  level: ImportNote['level'],
  at: SourceLocation,
  message: string,
): void {
  // Only file and line are copied: `at` may be an ImportedKey, whose secret must not leak.
  plan.notes.push(
    at.line === undefined
      ? { level, file: at.file, message }
      : { level, file: at.file, line: at.line, message },
  )
}

/** 1-based line of a character offset in a text. */
export function lineAt(text: string, index: number): number {
  let line = 1
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/** Removes a UTF-8 byte-order mark, which editors on Windows like to add. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}
