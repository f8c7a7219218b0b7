// Electron's entry point, bundled to dist/electron/main.js (package.json "main").
import { app } from 'electron'
import { createLogger } from '../gateway/util/logger.js'
import { main } from './startup.js'
import type { Desktop } from './desktop.js'

const logger = createLogger({ name: 'corral-app' })

/** The running app once started (null in a second instance, which quits). */
export const started: Promise<Desktop | null> = main({ logger }).catch((err: unknown) => {
  logger.error(`Corral failed to start: ${(err as Error).stack ?? String(err)}`)
  app.exit(1)
  return null
})
