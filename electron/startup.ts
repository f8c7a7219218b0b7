// From launch to a running app: the data folder first (the single-instance lock lives
// in it), then the lock (a second launch hands over and quits), then, once Electron is
// ready, the desktop app. `main.ts` runs it; tests run it with a temp data folder.
import { app } from 'electron'
import type { Logger } from '../gateway/util/logger.js'
import type { AppLog } from './app-log.js'
import { setupDataDir } from './paths.js'
import { setupAppMenu } from './app-menu.js'
import { setupSingleInstance, type SingleInstance } from './single-instance.js'
import { startDesktop, type Desktop, type DesktopOptions } from './desktop.js'

export interface MainOptions {
  env?: NodeJS.ProcessEnv
  logger?: Logger
  /** The log file to open under Electron's logs folder once the data folder is set. */
  log?: AppLog
  /** Extra desktop options (tests: ports, discovery). */
  desktop?: Partial<Omit<DesktopOptions, 'dataDir'>>
}

export async function onReady(
  dataDir: string,
  instance: SingleInstance,
  opts: MainOptions = {},
): Promise<Desktop> {
  const desktop = await startDesktop({
    ...opts.desktop,
    dataDir,
    logger: opts.logger,
    env: opts.env,
    logFile: opts.log?.file() ?? undefined,
    // The gateway child's lines into the same log file ("Show log" shows both).
    ...(opts.log ? { gatewayOutput: opts.log.writeLine } : {}),
  })
  // Launching Corral again brings up the running one's window.
  instance.onSecondInstance(() => desktop.window?.show())
  return desktop
}

/** Resolves with the running app, or null in a second instance (which quits). */
export async function main(opts: MainOptions = {}): Promise<Desktop | null> {
  const dataDir = setupDataDir(opts.env)
  const instance = setupSingleInstance()
  if (!instance) return null
  // Electron's logs folder: ~/Library/Logs/Corral, else <userData>/logs (electron
  // docs/api/app.md, setAppLogsPath), set after userData so it follows the data folder.
  app.setAppLogsPath()
  const logFile = opts.log?.openFile(app.getPath('logs'))
  if (logFile) opts.logger?.info(`Logging to ${logFile}`)
  // Before 'ready', so Electron never installs its default menu (Reload, DevTools).
  setupAppMenu({ packaged: app.isPackaged, platform: process.platform })
  await app.whenReady()
  return onReady(dataDir, instance, opts)
}
