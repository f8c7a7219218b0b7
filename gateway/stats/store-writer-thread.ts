// The writer thread, seen from the main thread. Batches go to the thread by postMessage, in a
// compact form (encodeRecords), with a sequence number; the thread writes them with its
// own connection and publishes how far it got in a SharedArrayBuffer. settle(), called
// before every read, blocks on that with Atomics.wait until the thread has written every
// batch sent so far, so a read on the main connection (WAL: it sees every committed write)
// sees every record recorded before it. If the thread cannot start, or fails later, the
// batches it had not written are written here, and so is everything after (the fallback).
// createWriter picks the writer a store gets: this thread, or the calling thread's for
// ':memory:' (which a thread cannot share).
import { existsSync } from 'node:fs'
import type Database from 'better-sqlite3'
import { fileURLToPath } from 'node:url'
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads'
import type { RequestRecord } from './record.js'
import { encodeRecords } from './store-batch.mjs'
import { errorText } from './store-errors.js'
import {
  SLOT,
  SLOTS,
  WRITER_ROLE,
  WRITER_STATE,
  type ThreadReport,
  type WriterThreadData,
} from './store-worker.mjs'
import { InThreadWriter, logReports, type StatsWriter, type WriterOptions } from './store-writer.js'

/** The writer thread's young generation (V8 `maxYoungGenerationSizeMb`). */
const WORKER_YOUNG_GENERATION_MB = 4

/** The thread's script: beside this module in the sources and in dist/, and beside bundles. */
export const WRITER_THREAD_URL = new URL('./store-worker.mjs', import.meta.url)
/** A read waits this long at most for the thread to write what was recorded before it. */
const SETTLE_TIMEOUT_MS = 5000

export interface WriterThreadOptions extends WriterOptions {
  url: URL
  /** How long a read (or close) waits at most for the thread. Default 5 s. */
  settleTimeoutMs?: number
  /** The writer to use instead when the thread cannot run (called at most once). */
  fallback: () => StatsWriter
}

interface Sent {
  seq: number
  records: RequestRecord[]
}

/**
 * Whether this thread may block in Atomics.wait (Node's main thread may; a browser's main
 * thread, and perhaps an embedder's, may not: then the store writes in-thread). With a value
 * that does not match, a wait that is allowed returns at once.
 */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0)
    return true
  } catch {
    return false
  }
}

/** Sequence numbers are int32 and wrap; `done` has reached `seq` if it is not behind it. */
const reached = (done: number, seq: number): boolean => ((done - seq) | 0) >= 0

export class WriterThread implements StatsWriter {
  private worker: Worker | null = null
  private reports: MessagePort | null = null
  private replacement: StatsWriter | null = null
  private readonly state = new Int32Array(new SharedArrayBuffer(SLOTS * 4))
  private seq = 0
  /** Batches posted and not yet written, oldest first: written here if the thread fails. */
  private sent: Sent[] = []
  private sentRecords = 0
  private closing = false
  private readonly log: ReturnType<typeof logReports>
  private readonly timeoutMs: number

  constructor(private readonly opts: WriterThreadOptions) {
    this.log = logReports(opts.logger, opts.file)
    this.timeoutMs = opts.settleTimeoutMs ?? SETTLE_TIMEOUT_MS
  }

  start(): void {
    if (this.worker !== null || this.replacement !== null || this.closing) return
    let script: string
    try {
      script = fileURLToPath(this.opts.url)
    } catch (err) {
      return this.fallBack(errorText(err))
    }
    if (!existsSync(script)) return this.fallBack(`${script} is missing`)
    if (!mayBlock()) return this.fallBack('this thread may not wait for another (Atomics.wait)')
    const { port1, port2 } = new MessageChannel()
    const workerData: WriterThreadData = {
      role: WRITER_ROLE,
      file: this.opts.file,
      state: this.state,
      reports: port2,
      retryDelayMs: this.opts.retryDelayMs,
      maxHeld: this.opts.maxHeld,
    }
    try {
      this.worker = new Worker(this.opts.url, {
        workerData,
        transferList: [port2],
        // A few thousand small records a second at most: V8's default young generation
        // (tens of MB per isolate) would only hold garbage, and show as resident memory.
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      })
    } catch (err) {
      port1.close()
      return this.fallBack(errorText(err))
    }
    this.reports = port1
    port1.on('message', (report: ThreadReport) => this.onReport(report))
    port1.unref()
    this.worker.on('error', (err) => this.fallBack(errorText(err)))
    this.worker.on('exit', (code) => this.fallBack(`the thread exited with code ${code}`))
    // Like the flush timer, the thread does not keep the process alive.
    this.worker.unref()
  }

  write(batch: RequestRecord[]): void {
    this.start()
    if (this.replacement !== null) return this.replacement.write(batch)
    this.forgetWritten()
    const seq = (this.seq + 1) | 0
    this.seq = seq
    this.sent.push({ seq, records: batch })
    this.sentRecords += batch.length
    try {
      const encoded = encodeRecords(batch)
      this.worker?.postMessage({ type: 'batch', seq, batch: encoded }, [encoded.numbers.buffer])
    } catch (err) {
      this.fallBack(errorText(err))
    }
  }

  settle(): void {
    if (this.replacement !== null) return this.replacement.settle()
    const written = () => reached(Atomics.load(this.state, SLOT.DONE), this.seq)
    if (this.worker === null || written()) return
    const failed = () => Atomics.load(this.state, SLOT.STATE) === WRITER_STATE.FAILED
    const answered = this.waitFor(() => written() || failed())
    if (!written() && failed()) {
      this.drainReports() // its 'unavailable' report falls back, with the reason
      return this.fallBack('the thread failed')
    }
    if (!answered) {
      this.opts.logger.warn(
        { file: this.opts.file, waitedMs: this.timeoutMs, records: this.sentRecords },
        'stats writer thread is slow; reading without its latest writes',
      )
    }
    this.drainReports()
    this.forgetWritten()
  }

  get backlog(): number {
    if (this.replacement !== null) return this.replacement.backlog
    this.forgetWritten()
    return this.sentRecords + Atomics.load(this.state, SLOT.HELD)
  }

  close(): void {
    this.settle()
    if (this.replacement !== null) return this.replacement.close()
    const worker = this.worker
    this.closing = true
    if (worker === null) return
    worker.postMessage({ type: 'close' })
    const stopped = () => {
      const state = Atomics.load(this.state, SLOT.STATE)
      return state === WRITER_STATE.CLOSED || state === WRITER_STATE.FAILED
    }
    if (!this.waitFor(stopped)) {
      this.opts.logger.warn({ file: this.opts.file }, 'stats writer thread did not close')
    }
    this.drainReports()
    this.reports?.close()
    this.worker = null
    void worker.terminate().catch(() => {})
  }

  /**
   * Blocks this thread until `done()`, waking each time the writer thread publishes something,
   * for settleTimeoutMs at most. False when it timed out.
   */
  private waitFor(done: () => boolean): boolean {
    const deadline = performance.now() + this.timeoutMs
    for (;;) {
      const signal = Atomics.load(this.state, SLOT.SIGNAL)
      if (done()) return true
      const left = deadline - performance.now()
      if (left <= 0) return false
      Atomics.wait(this.state, SLOT.SIGNAL, signal, left)
    }
  }

  private onReport(report: ThreadReport): void {
    if (report.type === 'unavailable') this.fallBack(report.err)
    else this.log(report)
  }

  /** Handles the thread's reports now rather than on a later turn (log lines in order). */
  private drainReports(): void {
    const port = this.reports
    while (port !== null && this.reports === port) {
      const received = receiveMessageOnPort(port)
      if (received === undefined) break
      this.onReport(received.message as ThreadReport)
    }
  }

  private forgetWritten(): void {
    const done = Atomics.load(this.state, SLOT.DONE)
    while (this.sent.length > 0 && reached(done, this.sent[0]!.seq)) {
      this.sentRecords -= this.sent.shift()!.records.length
    }
  }

  /** Writes here from now on, starting with what the thread had not written. Logs once. */
  private fallBack(reason: string): void {
    if (this.replacement !== null || this.closing) return
    this.opts.logger.error(
      { file: this.opts.file, err: reason },
      'stats writer thread unavailable; writing on the main thread',
    )
    const replacement = this.opts.fallback()
    this.replacement = replacement
    this.forgetWritten()
    const unwritten = this.sent
    this.sent = []
    this.sentRecords = 0
    this.reports?.close()
    this.reports = null
    if (this.worker !== null) {
      this.worker.removeAllListeners()
      this.worker.on('error', () => {})
      void this.worker.terminate().catch(() => {})
      this.worker = null
    }
    for (const { records } of unwritten) replacement.write(records)
  }
}

/** The writer thread, or (for ':memory:', which a thread cannot share) this thread. */
export function createWriter(
  db: Database.Database,
  file: string,
  thread: URL | null | undefined,
  opts: WriterOptions,
): StatsWriter {
  const inThread = () => new InThreadWriter(db, opts)
  if (thread === null || file === ':memory:') return inThread()
  return new WriterThread({ ...opts, url: thread ?? WRITER_THREAD_URL, fallback: inThread })
}
