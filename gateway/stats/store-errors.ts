// Errors and logging of the stats store.
import { SchemaTooNewError } from './store-migrations.js'

/** The subset of a pino/Fastify logger the store uses. */
export interface StatsLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export type StatsStoreErrorCode =
  'CORRAL_ERR_STATS_OPEN' | 'CORRAL_ERR_STATS_CORRUPT' | 'CORRAL_ERR_STATS_SCHEMA'

/** Why the stats database could not be opened; `cause` keeps SQLite's error. */
export class StatsStoreError extends Error {
  constructor(
    readonly code: StatsStoreErrorCode,
    readonly file: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(`${message}: ${file}`, options)
    this.name = 'StatsStoreError'
  }
}

const CORRUPT_CODES = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB'])

export function toStoreError(err: unknown, file: string): StatsStoreError {
  if (err instanceof SchemaTooNewError) {
    return new StatsStoreError('CORRAL_ERR_STATS_SCHEMA', file, err.message, { cause: err })
  }
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && CORRUPT_CODES.has(code)) {
    const message = 'stats database is corrupt or not a database'
    return new StatsStoreError('CORRAL_ERR_STATS_CORRUPT', file, message, { cause: err })
  }
  const reason = err instanceof Error ? err.message : String(err)
  return new StatsStoreError(
    'CORRAL_ERR_STATS_OPEN',
    file,
    `cannot open stats database (${reason})`,
    {
      cause: err,
    },
  )
}

/** Used when no logger is given: JSON lines on stderr (stdout carries CLI results). */
export const stderrLogger: StatsLogger = {
  info: () => {},
  warn: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...obj })}\n`),
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', msg, ...obj })}\n`),
}

export const errorText = (err: unknown): string =>
  err instanceof Error ? err.message : String(err)
