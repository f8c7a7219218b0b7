// Windows' session is ending (electron/system-shutdown.ts): nothing can hold it, and the
// gateway's process may be ended with the app's. What quitting would do, fastest and surest
// first: stats written and SQLite closed (StatsHub.close() writes what is queued before its
// first await), control.json removed, then mDNS goodbyes for at most SESSION_END_MDNS_MS.
// Streams in flight get no grace period: the session is ending under them anyway.
import fs from 'node:fs'
import type { RunningCorral } from '../server.js'
import { dataFiles } from '../config/paths.js'
import type { Logger } from '../util/logger.js'

/** How long the mDNS goodbye may take once the session is ending. */
export const SESSION_END_MDNS_MS = 1000

export async function endSessionNow(running: RunningCorral, logger: Logger): Promise<void> {
  const stats = running.corral.stats.close().catch((err: unknown) => {
    logger.warn(`Closing stats at session end: ${(err as Error).message}`)
  })
  removeOwnControlFile(running.corral.dataDir, running.token)
  const mdns = running.corral.discovery.close().catch(() => {})
  await Promise.race([
    Promise.all([stats, mdns]),
    new Promise((resolve) => setTimeout(resolve, SESSION_END_MDNS_MS).unref()),
  ])
}

/** Removes control.json if it is still this gateway's (another may have started since). */
export function removeOwnControlFile(dataDir: string, token: string): void {
  const file = dataFiles(dataDir).control
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as { token?: string }
    if (info.token === token) fs.rmSync(file, { force: true })
  } catch {
    // Gone already, or not ours to read.
  }
}
