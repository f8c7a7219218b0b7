// The gateway's own diagnostics go to stderr (stdout carries only command results).
// Access records go to the access log in logs/ (stats/access-log.ts), not here.

export interface Logger {
  debug(msg: string, extra?: Record<string, unknown>): void
  info(msg: string, extra?: Record<string, unknown>): void
  warn(msg: string, extra?: Record<string, unknown>): void
  error(msg: string, extra?: Record<string, unknown>): void
}

import { boundText, LOG_LINE_MAX_CHARS } from '../untrusted/bounds.js'
import { escapeOutput } from '../untrusted/escape.js'

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const
export type LogLevel = keyof typeof LEVELS

export function createLogger(
  opts: { level?: LogLevel; write?: (line: string) => void; name?: string } = {},
): Logger {
  const min = LEVELS[opts.level ?? (process.env.CORRAL_LOG_LEVEL as LogLevel) ?? 'info'] ?? 20
  const write = opts.write ?? ((line: string) => process.stderr.write(line))
  const name = opts.name ?? 'corral'
  const emit = (
    level: Exclude<LogLevel, 'silent'>,
    msg: string,
    extra?: Record<string, unknown>,
  ) => {
    if (LEVELS[level] < min) return
    let line = `${name}: ${level === 'info' ? '' : level + ': '}${msg}`
    if (extra && Object.keys(extra).length > 0) line += ' ' + safeJson(extra)
    // A line may quote outside text (an mDNS name, a backend's error): bounded, and escaped
    // for the owner's terminal.
    write(escapeOutput(boundText(line, LOG_LINE_MAX_CHARS)) + '\n')
  }
  return {
    debug: (m, e) => emit('debug', m, e),
    info: (m, e) => emit('info', m, e),
    warn: (m, e) => emit('warn', m, e),
    error: (m, e) => emit('error', m, e),
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, val: unknown) =>
      val instanceof Error
        ? { message: val.message, code: (val as NodeJS.ErrnoException).code }
        : val,
    )
  } catch {
    return String(v)
  }
}

export const silentLogger: Logger = createLogger({ level: 'silent' })
