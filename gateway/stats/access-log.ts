// The JSON access log: one pino line per request in `<dir>/access.log`, rotated by size.
// It names the key (id and name) and never carries a key: each line is built from an
// explicit list of fields, and the path loses its query string and anything key-shaped.
import { join } from 'node:path'
import { pino, type Logger } from 'pino'
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
  const logger: Logger = pino(
    {
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    file,
  )
  return {
    write(record) {
      try {
        logger.info(accessLogEntry(record), 'request')
      } catch {
        // a record that cannot be serialised is not worth failing a request over
      }
    },
    flush: () => file.flush(),
    close: () => file.close(),
  }
}

/** The fields of one access-log line (`time`, `level` and `msg` are added by pino). */
export function accessLogEntry(r: RequestRecord): Record<string, unknown> {
  return {
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
  }
}
