// How the store hands its batches over to be written: the StatsWriter interface, and the
// writer that writes on the calling thread (for ':memory:', and the fallback when the
// writer thread cannot run). The SQL is in store-batch.mjs, the thread in store-worker.mjs
// and its main-thread side in store-writer-thread.ts.
import type { Database } from 'better-sqlite3'
import type { RequestRecord } from './record.js'
import { createBatchWriter } from './store-batch.mjs'
import type { StatsLogger } from './store-errors.js'
import { RetryingWriter, type WriterReport } from './store-worker.mjs'

export interface StatsWriter {
  /** Gets ready to write (the thread starts), so the first write does not wait for it. */
  start(): void
  /** Takes a batch; the in-thread writer writes it before returning. Never throws. */
  write(batch: RequestRecord[]): void
  /** Returns once every batch given so far is written (or failed), waiting a bounded time. */
  settle(): void
  /** Records given and not yet written: on their way to the thread, or held for a retry. */
  readonly backlog: number
  /** Settles and stops; records still held for a retry are dropped, with a log line. */
  close(): void
}

export interface WriterOptions {
  file: string
  /** A failed batch is tried again after this long (and with the next batch). */
  retryDelayMs: number
  /** A failed batch larger than this is dropped at once. */
  maxHeld: number
  logger: StatsLogger
}

/** Turns what a writer reports into log lines (the same wherever the writer runs). */
export function logReports(logger: StatsLogger, file: string): (report: WriterReport) => void {
  return (report) => {
    switch (report.type) {
      case 'failed':
        logger.error(
          { file, err: report.err, records: report.records, retry: report.retry },
          'stats write failed',
        )
        break
      case 'recovered':
        logger.info({ file }, 'stats writes recovered')
        break
      case 'dropped':
        logger.warn({ file, dropped: report.records }, 'stats records dropped')
        break
    }
  }
}

/** Writes each batch on the calling thread, in one transaction, retrying failed ones. */
export class InThreadWriter implements StatsWriter {
  private readonly writer: RetryingWriter

  constructor(db: Database, opts: WriterOptions) {
    this.writer = new RetryingWriter({
      writeBatch: createBatchWriter(db),
      retryDelayMs: opts.retryDelayMs,
      maxHeld: opts.maxHeld,
      report: logReports(opts.logger, opts.file),
    })
  }

  start(): void {}

  write(batch: RequestRecord[]): void {
    this.writer.write(batch)
  }

  settle(): void {}

  get backlog(): number {
    return this.writer.held
  }

  close(): void {
    this.writer.close()
  }
}
