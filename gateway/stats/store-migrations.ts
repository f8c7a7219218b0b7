// Numbered migrations for corral.db, one small function each. The database's
// `user_version` is the number of migrations applied; a migration is never edited once
// released — a change is a new function at the end of the list.
import type { Database } from 'better-sqlite3'

export type Migration = (db: Database) => void

/** 1: raw request records, one row per request, kept for the retention period. */
function createRequests(db: Database): void {
  db.exec(`
    CREATE TABLE requests (
      id INTEGER PRIMARY KEY,
      ts INTEGER NOT NULL,
      key_id TEXT,
      key_name TEXT,
      client_ip TEXT NOT NULL,
      backend TEXT,
      model TEXT,
      method TEXT NOT NULL,
      path TEXT NOT NULL,
      status INTEGER NOT NULL,
      duration_ms REAL NOT NULL,
      ttfb_ms REAL,
      prompt_tokens INTEGER,
      completion_tokens INTEGER,
      tokens_per_second REAL,
      queued INTEGER NOT NULL,
      queue_ms REAL NOT NULL,
      outcome TEXT NOT NULL
    );
    CREATE INDEX requests_ts ON requests (ts);
    CREATE INDEX requests_key_ts ON requests (key_id, ts);
  `)
}

/**
 * 2: per-minute rollups per key × backend × model, kept longer than the raw rows.
 * Missing key/backend/model are stored as '' so the primary key stays unique.
 */
function createRollupMinute(db: Database): void {
  db.exec(`
    CREATE TABLE rollup_minute (
      minute INTEGER NOT NULL,
      key_id TEXT NOT NULL,
      backend TEXT NOT NULL,
      model TEXT NOT NULL,
      key_name TEXT,
      requests INTEGER NOT NULL DEFAULT 0,
      errors INTEGER NOT NULL DEFAULT 0,
      prompt_tokens INTEGER NOT NULL DEFAULT 0,
      completion_tokens INTEGER NOT NULL DEFAULT 0,
      duration_ms_sum REAL NOT NULL DEFAULT 0,
      ttfb_ms_sum REAL NOT NULL DEFAULT 0,
      ttfb_count INTEGER NOT NULL DEFAULT 0,
      tps_sum REAL NOT NULL DEFAULT 0,
      tps_count INTEGER NOT NULL DEFAULT 0,
      queued INTEGER NOT NULL DEFAULT 0,
      queue_ms_sum REAL NOT NULL DEFAULT 0,
      done INTEGER NOT NULL DEFAULT 0,
      client_aborted INTEGER NOT NULL DEFAULT 0,
      backend_error INTEGER NOT NULL DEFAULT 0,
      limited INTEGER NOT NULL DEFAULT 0,
      refused INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (minute, key_id, backend, model)
    ) WITHOUT ROWID;
    CREATE INDEX rollup_minute_key ON rollup_minute (key_id, minute);
  `)
}

/** 3: when each key was last used, kept after its raw rows and rollups are pruned. */
function createKeyLastUsed(db: Database): void {
  db.exec(`
    CREATE TABLE key_last_used (
      key_id TEXT PRIMARY KEY,
      key_name TEXT,
      last_used_at INTEGER NOT NULL,
      last_ip TEXT
    ) WITHOUT ROWID;
  `)
}

export const MIGRATIONS: readonly Migration[] = [
  createRequests,
  createRollupMinute,
  createKeyLastUsed,
]

export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(`database schema version ${found} is newer than this Corral knows (${known})`)
  }
}

/** Applies the migrations the database lacks, each in its own transaction. */
export function migrate(db: Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number
  if (from > MIGRATIONS.length) throw new SchemaTooNewError(from, MIGRATIONS.length)
  for (let version = from; version < MIGRATIONS.length; version++) {
    const migration = MIGRATIONS[version]!
    db.transaction(() => {
      migration(db)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
  return { from, to: MIGRATIONS.length }
}
