// The main process's log: stderr (a terminal, when there is one) and a rotating file
// under Electron's logs folder, which a packaged app started from Finder, the Start menu
// or at login otherwise lacks. A closed terminal makes writes to stdout/stderr fail with
// EPIPE; unhandled, that 'error' becomes an uncaught exception and Electron shows its
// JavaScript error dialog (electron/electron#40781). Those errors are ignored: the file
// still gets every line.
import path from 'node:path'
import type { Writable } from 'node:stream'
import { createLogger, type LogLevel, type Logger } from '../gateway/util/logger.js'
import { RotatingFile } from '../gateway/stats/rotating-file.js'

export const APP_LOG_NAME = 'corral-app.log'
export const APP_LOG_MAX_BYTES = 1024 * 1024
export const APP_LOG_FILES = 3

export interface AppLog {
  logger: Logger
  /** A line another process logged (the gateway child's), as it is, into the same log. */
  writeLine(line: string): void
  /** The log file, once opened (the tray's "Show log"). */
  file(): string | null
  /** Starts writing to `<dir>/corral-app.log` too (call once the data folder is known). */
  openFile(dir: string): string
  close(): Promise<void>
}

/** Stream errors on stdout and stderr (EPIPE, EIO from a closed terminal) are ignored. */
export function ignoreBrokenPipes(streams: Writable[] = [process.stdout, process.stderr]): void {
  for (const s of streams) s.on('error', () => {})
}

export function createAppLog(
  opts: { stderr?: Writable; level?: LogLevel; name?: string } = {},
): AppLog {
  const stderr = opts.stderr ?? process.stderr
  let file: RotatingFile | null = null
  let filePath: string | null = null
  const write = (line: string) => {
    const stamped = `${new Date().toISOString()} ${line}`
    file?.write(stamped)
    if (!stderr.destroyed && stderr.writable) {
      try {
        stderr.write(line)
      } catch {
        // A terminal gone away: the file has the line.
      }
    }
  }
  return {
    logger: createLogger({ name: opts.name ?? 'corral-app', level: opts.level, write }),
    writeLine: (line) => write(`${line}\n`),
    file: () => filePath,
    openFile(dir) {
      filePath = path.join(dir, APP_LOG_NAME)
      file = new RotatingFile({
        file: filePath,
        maxSizeBytes: APP_LOG_MAX_BYTES,
        maxFiles: APP_LOG_FILES,
        onError: () => {},
      })
      return filePath
    },
    async close() {
      await file?.close()
    },
  }
}
