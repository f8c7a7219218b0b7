// Electron's entry point, bundled to dist/electron/main.js (package.json "main").
import { app } from 'electron'
import { createAppLog, ignoreBrokenPipes } from './app-log.js'
import { main } from './startup.js'
import type { Desktop } from './desktop.js'

ignoreBrokenPipes()
const log = createAppLog()
const logger = log.logger

/** The running app once started (null in a second instance, which quits). */
export const started: Promise<Desktop | null> = main({ logger, log }).catch((err: unknown) => {
  logger.error(`Corral failed to start: ${(err as Error).stack ?? String(err)}`)
  app.exit(1)
  return null
})
