// The stats store: request records in SQLite (better-sqlite3, WAL). `record()` only
// enqueues; a timer (or a full batch) hands the queue to the writer thread, which writes it
// in one transaction with its own connection (store-writer-thread.ts). Reads run here, on
// the store's connection, after waiting for the thread to write what was recorded before
// them. A crash loses at most the records of the current batch.
import type Database from 'better-sqlite3'
import { normalizeRecord, type RequestRecord } from './record.js'
import {
  errorText,
  stderrLogger,
  StatsStoreError,
  toStoreError,
  type StatsLogger,
} from './store-errors.js'
import { migrate } from './store-migrations.js'
import { openDatabase, recoverCorrupt } from './store-open.js'
import { StatsQueries } from './store-queries.js'
import type {
  BreakdownBy,
  BreakdownRow,
  KeyUsage,
  RecentFilter,
  SeriesPoint,
  StoredRecord,
  TimeRange,
  Totals,
} from './store-types.js'
import type { StatsWriter } from './store-writer.js'
import { createWriter } from './store-writer-thread.js'

export type * from './store-types.js'
export { StatsStoreError, type StatsLogger, type StatsStoreErrorCode } from './store-errors.js'

export const DAY_MS = 86_400_000
const FLUSH_INTERVAL_MS = 250
const MAX_BATCH = 500
const MAX_PENDING = 50_000
const PRUNE_INTERVAL_MS = 3_600_000
const DEFAULT_RETENTION_DAYS = 7
const DEFAULT_ROLLUP_RETENTION_DAYS = 90

export interface StatsStoreOptions {
  /** Clock for pruning and default ranges (tests). */
  now?: () => number
  /** The queue is handed to the writer this often (and a failed write retried). */
  flushIntervalMs?: number
  /** A queue this long is handed to the writer at once (on the next turn of the event loop). */
  maxBatch?: number
  /** Records beyond this many unwritten ones are dropped (the disk is failing). */
  maxPending?: number
  /**
   * The `stats` settings. Given either, the store prunes on open and then hourly; without
   * them it prunes only once prune() is called (a CLI reading the file must not delete
   * what the owner chose to keep). Ranges older than the raw retention read the rollups.
   */
  retentionDays?: number
  rollupRetentionDays?: number
  pruneIntervalMs?: number
  logger?: StatsLogger
  /**
   * The writer thread's script (default: store-worker.mjs beside this module). null writes
   * on this thread instead, as the store does when the thread cannot run (tests).
   */
  writerThread?: URL | null
}

export class StatsStore {
  private pending: RequestRecord[] = []
  /** The writer's backlog when the queue was last handed over (read there, not per record). */
  private backlog = 0
  private dropped = 0
  private flushTimer: NodeJS.Timeout | null = null
  private flushImmediate: NodeJS.Immediate | null = null
  private pruneTimer: NodeJS.Timeout | null = null
  private readonly pruneIntervalMs: number
  private closed = false
  private retentionDays: number
  private rollupRetentionDays: number
  private readonly now: () => number
  private readonly flushIntervalMs: number
  private readonly maxBatch: number
  private readonly maxPending: number
  private readonly logger: StatsLogger
  private readonly writer: StatsWriter
  private readonly queries: StatsQueries

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    opts: StatsStoreOptions,
  ) {
    this.now = opts.now ?? Date.now
    this.flushIntervalMs = opts.flushIntervalMs ?? FLUSH_INTERVAL_MS
    this.maxBatch = opts.maxBatch ?? MAX_BATCH
    this.maxPending = opts.maxPending ?? MAX_PENDING
    this.logger = opts.logger ?? stderrLogger
    this.retentionDays = opts.retentionDays ?? DEFAULT_RETENTION_DAYS
    this.rollupRetentionDays = opts.rollupRetentionDays ?? DEFAULT_ROLLUP_RETENTION_DAYS
    this.pruneIntervalMs = opts.pruneIntervalMs ?? PRUNE_INTERVAL_MS
    this.writer = createWriter(db, file, opts.writerThread, {
      file,
      retryDelayMs: this.flushIntervalMs,
      maxHeld: this.maxPending,
      logger: this.logger,
    })
    this.queries = new StatsQueries(db)
    if (opts.retentionDays !== undefined || opts.rollupRetentionDays !== undefined) {
      this.prune({
        retentionDays: this.retentionDays,
        rollupRetentionDays: this.rollupRetentionDays,
      })
    }
  }

  /**
   * Opens (creating if needed) the database at `file` and migrates it (and prunes it,
   * given the retention settings).
   * Throws a StatsStoreError: `CORRAL_ERR_STATS_CORRUPT` (see openOrRecover),
   * `CORRAL_ERR_STATS_SCHEMA` (written by a newer Corral) or `CORRAL_ERR_STATS_OPEN`.
   */
  static open(file: string, opts: StatsStoreOptions = {}): StatsStore {
    const db = openDatabase(file, opts.logger ?? stderrLogger)
    try {
      migrate(db)
      return new StatsStore(db, file, opts)
    } catch (err) {
      db.close()
      throw err instanceof StatsStoreError ? err : toStoreError(err, file)
    }
  }

  /** See openOrRecover. */
  static openOrRecover(file: string, opts: StatsStoreOptions = {}): StatsStore {
    return openOrRecover(file, opts)
  }

  /** Enqueues a record. O(1), never throws, never touches the disk on the caller's stack. */
  record(record: RequestRecord): void {
    if (this.closed) return
    try {
      if (this.pending.length + this.backlog >= this.maxPending) {
        this.dropped++
        return
      }
      this.pending.push(normalizeRecord(record))
      if (this.pending.length >= this.maxBatch) this.scheduleImmediate()
      else this.scheduleTimer()
    } catch {
      this.dropped++
    }
  }

  /**
   * Writes the queue now, in one transaction, and returns once it is written (waiting for
   * the writer thread, 5 s at most). Never throws; a failed batch is retried.
   */
  flush(): void {
    this.handOver()
    this.writer.settle()
  }

  /** Writes what is queued, stops the writer and the timers and closes the database. Idempotent. */
  close(): void {
    if (this.closed) return
    this.handOver()
    this.writer.close()
    this.closed = true
    this.clearFlushTimers()
    if (this.pruneTimer !== null) clearInterval(this.pruneTimer)
    try {
      this.db.pragma('optimize')
    } catch {
      // only a hint to SQLite
    }
    this.db.close()
  }

  /**
   * Deletes raw rows and rollups past their retention. The settings stick: the store then
   * prunes with them every hour (and routes old ranges to the rollups by them).
   */
  prune(opts: { retentionDays: number; rollupRetentionDays: number }): void {
    this.flush()
    this.retentionDays = opts.retentionDays
    this.rollupRetentionDays = Math.max(opts.rollupRetentionDays, opts.retentionDays)
    const now = this.now()
    this.db.prepare('DELETE FROM requests WHERE ts < ?').run(now - this.retentionDays * DAY_MS)
    this.db
      .prepare('DELETE FROM rollup_minute WHERE minute < ?')
      .run(now - this.rollupRetentionDays * DAY_MS)
    if (this.pruneTimer === null && !this.closed) {
      this.pruneTimer = setInterval(() => this.pruneSafely(), this.pruneIntervalMs)
      this.pruneTimer.unref()
    }
  }

  /** Totals over a range, for all keys or one. */
  totals(range: TimeRange, keyId?: string): Totals {
    const { source, since, until } = this.resolve(range)
    return this.queries.totals(source, since, until, keyId)
  }

  /** Per key, backend or model over a range, most requests first. */
  breakdown(by: BreakdownBy, range: TimeRange, limit = 100): BreakdownRow[] {
    const { source, since, until } = this.resolve(range)
    return this.queries.breakdown(source, by, since, until, clamp(limit, 1, 10_000))
  }

  /** The latest records, newest first (raw rows: within the retention period). */
  recent(limit: number, filter?: RecentFilter): StoredRecord[] {
    this.flush()
    return this.queries.recent(clamp(limit, 1, 1000), filter)
  }

  /** Per key: requests and tokens since `since` (for "usage today"), and when last used. */
  usageByKey(since: number): Map<string, KeyUsage> {
    const { source, until } = this.resolve({ since })
    return this.queries.usageByKey(source, since, until)
  }

  /** Requests per time bucket, from the rollups (for history charts). */
  series(range: TimeRange, bucketMs: number, keyId?: string): SeriesPoint[] {
    const { since, until } = this.resolve(range)
    return this.queries.series(since, until, bucketMs, keyId)
  }

  /** Records waiting to be written: queued here, or on their way to the disk. */
  get pendingCount(): number {
    return this.pending.length + this.writer.backlog
  }

  /** Flushes (so reads see every record so far) and picks raw rows or rollups. */
  private resolve(range: TimeRange) {
    this.flush()
    const until = range.until ?? this.now() + 1
    const rawHorizon = this.now() - this.retentionDays * DAY_MS
    const source = range.since >= rawHorizon ? ('raw' as const) : ('rollup' as const)
    return { source, since: range.since, until }
  }

  /** Hands the queue to the writer (the thread, or this thread's writer: then it is written). */
  private handOver(): void {
    this.clearFlushTimers()
    if (this.pending.length > 0 && this.db.open) {
      const batch = this.pending
      this.pending = []
      this.writer.write(batch)
    }
    this.backlog = this.writer.backlog
    if (this.dropped > 0) {
      this.logger.warn({ file: this.file, dropped: this.dropped }, 'stats records dropped')
      this.dropped = 0
    }
  }

  private pruneSafely(): void {
    try {
      this.prune({
        retentionDays: this.retentionDays,
        rollupRetentionDays: this.rollupRetentionDays,
      })
    } catch (err) {
      this.logger.error({ file: this.file, err: errorText(err) }, 'stats prune failed')
    }
  }

  private scheduleTimer(): void {
    if (this.flushTimer !== null || this.flushImmediate !== null) return
    this.writer.start() // the thread starts with the first record, not with the first read
    this.flushTimer = setTimeout(() => this.handOver(), this.flushIntervalMs)
    this.flushTimer.unref()
  }

  private scheduleImmediate(): void {
    if (this.flushImmediate !== null) return
    this.flushImmediate = setImmediate(() => this.handOver())
    this.flushImmediate.unref()
  }

  private clearFlushTimers(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer)
    if (this.flushImmediate !== null) clearImmediate(this.flushImmediate)
    this.flushTimer = null
    this.flushImmediate = null
  }
}

/**
 * Opens the store; a corrupt file is moved aside and a fresh one started (store-open.ts).
 */
export function openOrRecover(file: string, opts: StatsStoreOptions = {}): StatsStore {
  return recoverCorrupt(file, opts, () => StatsStore.open(file, opts))
}

const clamp = (n: number, min: number, max: number): number =>
  Math.min(max, Math.max(min, Math.floor(Number.isFinite(n) ? n : min)))
