// control.json: how the `corral` command finds a running server (its control URL and token),
// written while it runs (mode 0600) and removed when it stops, if it is still its own.
import fs from 'node:fs'
import { writeFileAtomic } from './util/atomic-file.js'
import type { Logger } from './util/logger.js'

export interface ControlInfo {
  url: string
  token: string
  pid: number
  dataDir: string
  gatewayUrls: string[]
  startedAt: string
}

/** Writes control.json; a full or read-only data dir only costs the CLI its way in (logged). */
export function writeControlInfo(file: string, info: ControlInfo, logger: Logger): void {
  try {
    writeFileAtomic(file, JSON.stringify(info, null, 2) + '\n', 0o600)
  } catch (err) {
    logger.warn(
      `Could not write ${file} (${(err as Error).message}); the corral command will not find this server.`,
    )
  }
}

/** Only remove control.json if it is still ours (another instance may have replaced it). */
export function removeControlInfo(file: string, token: string): void {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ControlInfo>
    if (info.token === token) fs.rmSync(file, { force: true })
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}
