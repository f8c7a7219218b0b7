// @ts-check
// The stats writer thread: it writes the batches the main thread posts (store-batch.mjs),
// retries failed writes, and tells the main thread how far it got through a SharedArrayBuffer,
// so that a read there can wait for the records recorded before it (store-writer-thread.ts).
//
// Why plain JavaScript files (this one and store-batch.mjs): a worker_threads entry must load
// as it is wherever Corral runs: from the sources under vitest (Node 20 cannot run .ts in a
// Worker, and vitest does not transform worker files), from dist/gateway/ (scripts/build.mjs
// copies both beside store.js), and beside the bundles that inline store.ts (the Electron main
// bundle, the benchmark's: their builds bundle this entry into one store-worker.mjs beside
// them). The main thread finds it as `new URL('./store-worker.mjs', import.meta.url)` in every
// one of them. `.mjs`, so Node reads it as ESM even where no package.json says "type":
// "module" (node_modules/.cache, a temp dir). They import only node: modules, better-sqlite3
// and each other; JSDoc and `@ts-check` keep them under `npm run typecheck`. The main thread
// imports them too, for the same writer when it writes in-thread (the fallback).
//
// This file is the thread's entry only when started with `workerData.role === WRITER_ROLE`;
// imported, it only defines things.
import { isMainThread, parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { createBatchWriter, decodeRecords } from './store-batch.mjs'

/** @typedef {import('./record.js').RequestRecord} RequestRecord */
/**
 * What a writer tells its owner (who logs it): a failed write (retried or not), writes
 * working again after failures, records given up on.
 * @typedef {{ type: 'failed', err: string, records: number, retry: boolean }
 *   | { type: 'recovered' }
 *   | { type: 'dropped', records: number }} WriterReport
 */
/**
 * What the thread tells the main thread: a writer's report, or that it cannot write at all
 * (the main thread then writes in-thread).
 * @typedef {WriterReport | { type: 'unavailable', err: string }} ThreadReport
 */

/** A batch whose write failed this many times is dropped rather than retried forever. */
export const MAX_WRITE_ATTEMPTS = 3

// --- Retries

/**
 * Writes batches, each in one transaction. A failed batch is held and written again with
 * the next one, or after `retryDelayMs`, MAX_WRITE_ATTEMPTS times in all; then it is
 * dropped (unless it has grown past `maxHeld`, then at once). Never throws; tells `report`
 * what went wrong, and `afterWrite` after every attempt.
 */
export class RetryingWriter {
  /** @type {RequestRecord[]} */
  #held = []
  #attempts = 0
  /** @type {NodeJS.Timeout | null} */
  #timer = null

  /**
   * @param {{ writeBatch: (batch: readonly RequestRecord[]) => void, retryDelayMs: number,
   *   maxHeld: number, report: (report: WriterReport) => void, afterWrite?: () => void }} opts
   */
  constructor(opts) {
    this.opts = opts
  }

  /** Records held for a retry. */
  get held() {
    return this.#held.length
  }

  /**
   * Writes what is held and then `batch`, in one transaction.
   * @param {RequestRecord[]} batch
   */
  write(batch) {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    const all = this.#held.length === 0 ? batch : this.#held.concat(batch)
    this.#held = []
    if (all.length === 0) return
    try {
      this.opts.writeBatch(all)
      if (this.#attempts > 0) this.opts.report({ type: 'recovered' })
      this.#attempts = 0
    } catch (err) {
      this.#failed(all, err)
    }
    this.opts.afterWrite?.()
  }

  /** Stops retrying; what is held is reported as dropped. */
  close() {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (this.#held.length > 0) this.opts.report({ type: 'dropped', records: this.#held.length })
    this.#held = []
  }

  /**
   * @param {RequestRecord[]} batch
   * @param {unknown} err
   */
  #failed(batch, err) {
    this.#attempts++
    const retry = this.#attempts < MAX_WRITE_ATTEMPTS && batch.length <= this.opts.maxHeld
    if (this.#attempts === 1 || !retry) {
      this.opts.report({ type: 'failed', err: errorText(err), records: batch.length, retry })
    }
    if (retry) {
      this.#held = batch
      this.#timer = setTimeout(() => this.write([]), this.opts.retryDelayMs)
      this.#timer.unref()
    } else {
      this.#attempts = 0
      this.opts.report({ type: 'dropped', records: batch.length })
    }
  }
}

const errorText = (/** @type {unknown} */ err) => (err instanceof Error ? err.message : String(err))

// --- The writer thread

export const WRITER_ROLE = 'corral-stats-writer'

/**
 * Slots of the Int32Array the threads share. The thread bumps SIGNAL (and notifies on it)
 * after each change to the others, so the main thread waits on SIGNAL alone and misses no
 * wake-up. DONE is the sequence number of the last batch written (or failed); HELD the
 * records held for a retry; STATE one of WRITER_STATE.
 */
export const SLOT = /** @type {const} */ ({ SIGNAL: 0, DONE: 1, HELD: 2, STATE: 3 })
export const SLOTS = 4
export const WRITER_STATE = /** @type {const} */ ({ STARTING: 0, READY: 1, FAILED: 2, CLOSED: 3 })

/**
 * What the main thread passes in workerData.
 * @typedef {{ role: typeof WRITER_ROLE, file: string, state: Int32Array,
 *   reports: import('node:worker_threads').MessagePort, retryDelayMs: number,
 *   maxHeld: number }} WriterThreadData
 */
/**
 * What the main thread posts: a batch (encodeRecords) with its sequence number, or the
 * order to write what is queued, close the database and stop.
 * @typedef {{ type: 'batch', seq: number, batch: import('./store-batch.mjs').EncodedBatch }
 *   | { type: 'close' }} WriterMessage
 */

/** @param {WriterThreadData} data */
function runWriterThread(data) {
  const { state, reports } = data
  const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort)
  /** @param {number} slot @param {number} value */
  const publish = (slot, value) => {
    Atomics.store(state, slot, value)
    Atomics.add(state, SLOT.SIGNAL, 1)
    Atomics.notify(state, SLOT.SIGNAL)
  }
  /** @type {import('better-sqlite3').Database} */
  let db
  /** @type {RetryingWriter} */
  let writer
  try {
    // The main thread created and migrated the file, and put it in WAL mode (which sticks).
    db = new Database(data.file, { fileMustExist: true })
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 5000')
    writer = new RetryingWriter({
      writeBatch: createBatchWriter(db),
      retryDelayMs: data.retryDelayMs,
      maxHeld: data.maxHeld,
      report: (report) => reports.postMessage(report),
      afterWrite: () => publish(SLOT.HELD, writer.held),
    })
  } catch (err) {
    reports.postMessage({ type: 'unavailable', err: errorText(err) })
    publish(SLOT.STATE, WRITER_STATE.FAILED)
    port.close()
    return
  }
  publish(SLOT.STATE, WRITER_STATE.READY)

  // Batches that arrive together are written in one transaction, on the next turn.
  /** @type {RequestRecord[]} */
  let queue = []
  let lastSeq = 0
  let scheduled = false
  let closed = false
  const writeQueued = () => {
    scheduled = false
    if (closed) return
    const batch = queue
    queue = []
    writer.write(batch)
    publish(SLOT.DONE, lastSeq)
  }
  port.on('message', (/** @type {WriterMessage} */ msg) => {
    try {
      if (msg.type === 'batch') {
        decodeRecords(msg.batch, queue)
        lastSeq = msg.seq
        if (!scheduled) setImmediate(writeQueued)
        scheduled = true
      } else if (msg.type === 'close') {
        writeQueued()
        closed = true
        writer.close()
        db.close()
        publish(SLOT.STATE, WRITER_STATE.CLOSED)
        port.close()
        reports.close()
      }
    } catch (err) {
      // Not a write failure (those RetryingWriter handles): a bug. The main thread takes over.
      reports.postMessage({ type: 'unavailable', err: errorText(err) })
      publish(SLOT.STATE, WRITER_STATE.FAILED)
      throw err
    }
  })
}

if (!isMainThread && workerData?.role === WRITER_ROLE) {
  runWriterThread(/** @type {WriterThreadData} */ (workerData))
}
