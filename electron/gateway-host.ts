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

/** One gateway child through utilityProcess, as the supervisor's ChildHandle. */
export function forkUtility(entry: string, args: string[]): ChildHandle {
  const child = utilityProcess.fork(entry, args, {
    serviceName: GATEWAY_SERVICE_NAME,
    stdio: 'inherit',
  })
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
  /** How to start a child; default: utilityProcess. */
  fork?: (entry: string, args: string[]) => ChildHandle
}

/** A supervisor for the gateway child; call `start()` once the app is ready. */
export function setupGatewayHost(opts: GatewayHostOptions): GatewaySupervisor {
  const entry = gatewayEntry(opts.files)
  const args = ['--data-dir', opts.dataDir, '--ui-dir', opts.files.uiDir]
  const fork = opts.fork ?? forkUtility
  return new GatewaySupervisor({ fork: () => fork(entry, args), logger: opts.logger })
}
