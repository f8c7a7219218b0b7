// Opening the stats database file: WAL and its pragmas, and what is done with a file that
// turns out to be corrupt (moved aside, never deleted, and a fresh one started).
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { restrictFile } from '../config/private-files.js'
import {
  errorText,
  stderrLogger,
  StatsStoreError,
  toStoreError,
  type StatsLogger,
} from './store-errors.js'

/** The database at `file` (made with its folder if missing), in WAL mode. Throws StatsStoreError. */
export function openDatabase(file: string, logger: StatsLogger): Database.Database {
  let db: Database.Database | undefined
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    db = new Database(file)
    // Before WAL mode: SQLite gives -wal and -shm the database file's mode.
    if (file !== ':memory:') restrictFile(file, (m) => logger.warn({ file }, m))
    const mode = db.pragma('journal_mode = WAL', { simple: true })
    if (mode !== 'wal' && file !== ':memory:') {
      logger.warn({ file, mode }, 'stats database is not in WAL mode')
    }
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 5000')
    return db
  } catch (err) {
    db?.close()
    throw err instanceof StatsStoreError ? err : toStoreError(err, file)
  }
}

/**
 * `open()`; if the file is corrupt (or not a database at all), moves it and its -wal/-shm
 * files aside as `<file>.corrupt-<time>`, logs why, and opens again (a fresh one).
 * Other errors (permissions, a schema from a newer Corral) are thrown as they are:
 * moving the file would not help, or would hide data.
 */
export function recoverCorrupt<T>(
  file: string,
  opts: { now?: () => number; logger?: StatsLogger },
  open: () => T,
): T {
  try {
    return open()
  } catch (err) {
    if (!(err instanceof StatsStoreError) || err.code !== 'CORRAL_ERR_STATS_CORRUPT') throw err
    const stamp = new Date((opts.now ?? Date.now)()).toISOString().replace(/[:.]/g, '-')
    const aside = `${file}.corrupt-${stamp}`
    renameSync(file, aside)
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix)
    }
    ;(opts.logger ?? stderrLogger).warn(
      { file, movedTo: aside, err: errorText(err.cause) },
      'stats database was corrupt; moved it aside and started a fresh one',
    )
    return open()
  }
}
