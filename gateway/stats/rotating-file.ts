// A file of lines (the access log's) that rotates by size:
// `access.log` → `access.1.log` → … → `access.<maxFiles>.log`, the oldest dropped.
// `write` only queues (it is called on the request path); one async loop does the I/O,
// closing the file before renaming it so rotation also works on Windows.
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'

/** Queued but unwritten bytes beyond this are dropped (a stalled or full disk). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024

export interface RotatingFileOptions {
  file: string
  /** A file is rotated before a line would take it past this size. */
  maxSizeBytes: number
  /** Rotated files kept besides the current one. */
  maxFiles: number
  onError?: (err: unknown) => void
}

export class RotatingFile {
  private queue: string[] = []
  private queuedBytes = 0
  private handle: FileHandle | null = null
  private size = 0
  private draining: Promise<void> | null = null
  private closed = false
  private failed = false
  dropped = 0

  constructor(private readonly opts: RotatingFileOptions) {}

  /** Queues one or more whole lines. Never throws, never blocks. */
  write(chunk: string): boolean {
    if (this.closed) return false
    const bytes = Buffer.byteLength(chunk)
    if (this.queuedBytes + bytes > MAX_QUEUED_BYTES) {
      this.dropped++
      return false
    }
    this.queue.push(chunk)
    this.queuedBytes += bytes
    this.kick()
    return true
  }

  /** Resolves once everything queued so far is written. */
  async flush(): Promise<void> {
    while (this.draining !== null) await this.draining
  }

  async close(): Promise<void> {
    await this.flush()
    this.closed = true
    await this.handle?.close().catch(() => {})
    this.handle = null
  }

  /** Path of rotated file number `n` (1 = newest): `access.log` → `access.1.log`. */
  rotatedPath(n: number): string {
    const ext = extname(this.opts.file)
    const stem = basename(this.opts.file, ext)
    return join(dirname(this.opts.file), `${stem}.${n}${ext}`)
  }

  private kick(): void {
    if (this.draining !== null) return
    this.draining = this.drain().finally(() => {
      this.draining = null
      if (this.queue.length > 0) this.kick() // lines queued while the loop was finishing
    })
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue
      this.queue = []
      this.queuedBytes = 0
      try {
        await this.writeLines(lines)
        this.failed = false
      } catch (err) {
        this.dropped += lines.length
        await this.handle?.close().catch(() => {})
        this.handle = null
        if (!this.failed) this.opts.onError?.(err) // report once per failure streak
        this.failed = true
      }
    }
  }

  /** Writes lines, rotating between two lines whenever the next would overflow. */
  private async writeLines(lines: readonly string[]): Promise<void> {
    let batch: string[] = []
    let batchBytes = 0
    for (const line of lines) {
      const bytes = Buffer.byteLength(line)
      const handle = await this.ensureOpen()
      if (this.size + batchBytes + bytes > this.opts.maxSizeBytes && this.size + batchBytes > 0) {
        if (batch.length > 0) await handle.write(batch.join(''))
        this.size += batchBytes
        batch = []
        batchBytes = 0
        await this.rotate()
        await this.ensureOpen()
      }
      batch.push(line)
      batchBytes += bytes
    }
    if (batch.length > 0) {
      const handle = await this.ensureOpen()
      await handle.write(batch.join(''))
      this.size += batchBytes
    }
  }

  private async ensureOpen(): Promise<FileHandle> {
    if (this.handle !== null) return this.handle
    await mkdir(dirname(this.opts.file), { recursive: true, mode: 0o700 })
    const handle = await open(this.opts.file, 'a', 0o600)
    this.size = (await handle.stat()).size
    this.handle = handle
    return handle
  }

  private async rotate(): Promise<void> {
    await this.handle?.close()
    this.handle = null
    await rm(this.rotatedPath(this.opts.maxFiles), { force: true })
    for (let n = this.opts.maxFiles - 1; n >= 1; n--) {
      await rename(this.rotatedPath(n), this.rotatedPath(n + 1)).catch(ignoreMissing)
    }
    await rename(this.opts.file, this.rotatedPath(1)).catch(ignoreMissing)
    this.size = 0
  }
}

function ignoreMissing(err: unknown): void {
  if ((err as { code?: unknown }).code !== 'ENOENT') throw err
}
