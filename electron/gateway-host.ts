// The gateway in its own process, off the main thread that draws the tray and its menus
// (Electron's performance guide: never block the main process). Electron's utilityProcess
// runs dist/gateway/child/main.js (electron docs/api/utility-process.md: Node in a
// Chromium service process; fork only after 'ready'); the supervisor restarts it after a
// crash while the tray stays up. The main process then reaches the gateway through the
// control API, with the URL and token the child reports (the same ones control.json gives
// the CLI). bench/main-thread.mjs measures what this buys.
import path from 'node:path'
import { utilityProcess } from 'electron'
import type { Logger } from '../gateway/util/logger.js'
import type { ChildHandle } from '../gateway/child/supervisor.js'
import { GatewaySupervisor } from '../gateway/child/supervisor.js'
import type { AppFiles } from './paths.js'

export const GATEWAY_SERVICE_NAME = 'Corral gateway'

/** dist/gateway/child/main.js inside the app (app.asar when packaged). */
export function gatewayEntry(files: Pick<AppFiles, 'root'>): string {
  return path.join(files.root, 'dist', 'gateway', 'child', 'main.js')
}

/**
 * One gateway child through utilityProcess, as the supervisor's ChildHandle. With `output`,
 * the child's stdout and stderr come back line by line (its log lines), so they land in the
 * app's log file: a packaged app started from Finder, the Start menu or at login has no
 * terminal for them to go to.
 */
export function forkUtility(
  entry: string,
  args: string[],
  output?: (line: string) => void,
): ChildHandle {
  const child = utilityProcess.fork(entry, args, {
    serviceName: GATEWAY_SERVICE_NAME,
    stdio: output ? 'pipe' : 'inherit',
  })
  if (output) {
    for (const stream of [child.stdout, child.stderr]) if (stream) forwardLines(stream, output)
  }
  let exited: number | null | undefined
  child.once('exit', (code) => {
    exited = code
  })
  return {
    get pid() {
      return child.pid
    },
    postMessage: (m) => child.postMessage(m),
    onMessage: (fn) => void child.on('message', fn),
    onExit: (fn) => {
      if (exited !== undefined) fn(exited)
      else child.once('exit', (code) => fn(code))
    },
    kill: () => void child.kill(),
  }
}

export interface GatewayHostOptions {
  dataDir: string
  files: Pick<AppFiles, 'root' | 'uiDir'>
  logger: Logger
  /** Where the child's output goes, a line at a time (the app's log); default: inherited. */
  output?: (line: string) => void
  /** How to start a child; default: utilityProcess. */
  fork?: (entry: string, args: string[]) => ChildHandle
}

/** A supervisor for the gateway child; call `start()` once the app is ready. */
export function setupGatewayHost(opts: GatewayHostOptions): GatewaySupervisor {
  const entry = gatewayEntry(opts.files)
  const args = ['--data-dir', opts.dataDir, '--ui-dir', opts.files.uiDir]
  const fork = opts.fork ?? ((e: string, a: string[]) => forkUtility(e, a, opts.output))
  return new GatewaySupervisor({ fork: () => fork(entry, args), logger: opts.logger })
}

/** A line longer than this is cut: the log file's lines stay readable. */
export const OUTPUT_LINE_MAX = 4000

/** Splits a stream into lines (UTF-8); a last line without its newline comes at the end. */
export function forwardLines(stream: NodeJS.ReadableStream, output: (line: string) => void): void {
  let rest = ''
  const emit = (line: string) => {
    if (line !== '')
      output(line.length > OUTPUT_LINE_MAX ? line.slice(0, OUTPUT_LINE_MAX) + '…' : line)
  }
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) emit(line)
  })
  stream.on('end', () => {
    emit(rest)
    rest = ''
  })
  // A broken pipe when the child dies is not the app's problem: its exit is reported.
  stream.on('error', () => {})
}
