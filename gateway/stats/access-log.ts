// The JSON access log: one line per request in `<dir>/access.log`, rotated by size, in
// pino's shape (`level`, `time`, the fields, `msg`) so log tools read it as before. It names
// the key (id and name) and never carries a key: each line is built from an explicit list of
// fields, and the path loses its query string and anything key-shaped. One JSON.stringify
// per line: pino's serialiser took ten times the memory (bench/README.md, the fleet burst).
import { join } from 'node:path'
import { redactPath, type RequestRecord } from './record.js'
import { RotatingFile } from './rotating-file.js'

export const ACCESS_LOG_FILE = 'access.log'

export interface AccessLogOptions {
  /** The data dir's `logs/` folder. */
  dir: string
  /** The `logging.enabled` setting; false gives a no-op log. */
  enabled: boolean
  maxSizeBytes: number
  /** Rotated files kept besides `access.log`. */
  maxFiles: number
  /** Told once per failure streak when the log cannot be written (default: ignored). */
  onError?: (err: unknown) => void
}

export interface AccessLog {
  /** Queues a line; never throws, never blocks on the disk. */
  write(record: RequestRecord): void
  /** Resolves once every line so far is on disk. */
  flush(): Promise<void>
  close(): Promise<void>
}

const NOOP: AccessLog = {
  write() {},
  flush: () => Promise.resolve(),
  close: () => Promise.resolve(),
}

export function createAccessLog(opts: AccessLogOptions): AccessLog {
  if (!opts.enabled) return NOOP
  const file = new RotatingFile({
    file: join(opts.dir, ACCESS_LOG_FILE),
    maxSizeBytes: opts.maxSizeBytes,
    maxFiles: Math.max(1, opts.maxFiles),
    onError: opts.onError,
  })
  return {
    write(record) {
      let line: string
      try {
        line = accessLogLine(record, new Date())
      } catch {
        return // a record that cannot be serialised is not worth failing a request over
      }
      file.write(line)
    },
    flush: () => file.flush(),
    close: () => file.close(),
  }
}

/** One access-log line, newline included, for a request that ended at `at`. */
export function accessLogLine(r: RequestRecord, at: Date): string {
  return (
    JSON.stringify({
      level: 'info',
      time: at.toISOString(),
      start: new Date(r.ts).toISOString(),
      keyId: r.keyId,
      keyName: r.keyName,
      ip: r.clientIp,
      method: r.method,
      path: redactPath(r.path),
      status: r.status,
      outcome: r.outcome,
      backend: r.backend,
      model: r.model,
      durationMs: r.durationMs,
      ttfbMs: r.ttfbMs,
      queued: r.queued,
      queueMs: r.queueMs,
      promptTokens: r.promptTokens,
      completionTokens: r.completionTokens,
      tokensPerSecond: r.tokensPerSecond,
      msg: 'request',
    }) + '\n'
  )
}
