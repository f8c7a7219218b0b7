// elsewhere.json: left in the OS default data folder while a Corral server runs on another
// folder (CORRAL_DATA_DIR or --data-dir). An app started from Finder, the Start menu or a
// desktop entry never sees a shell's CORRAL_DATA_DIR, and a shell may lack the one the app
// was started with, so a `corral` command can look in the wrong folder. The pointer lets it
// say where the server really is instead of silently using another folder (issue 28).
import fs from 'node:fs'
import path from 'node:path'
import { dataFiles, osDataDir } from './config/paths.js'
import { writeFileAtomic } from './util/atomic-file.js'
import { pidAlive } from './util/pid.js'
import type { Logger } from './util/logger.js'

export interface Elsewhere {
  dataDir: string
  pid: number
  controlUrl?: string
  startedAt: string
}

/** Longer than any real folder path: a pointer naming more is not one of ours. */
const MAX_PATH_CHARS = 4096

/** The same folder, as the file system compares names (Windows and macOS ignore case). */
export function sameDir(a: string, b: string, platform = process.platform): boolean {
  const norm = (p: string) => {
    const r = path.resolve(p)
    return platform === 'win32' || platform === 'darwin' ? r.toLowerCase() : r
  }
  return norm(a) === norm(b)
}

/**
 * Leaves the pointer when `dataDir` is not the default folder, and returns what removes it
 * on a clean stop (only if it is still ours: a later server may have replaced it). A default
 * folder that cannot be written only costs the CLI its hint (logged).
 */
export function pointFromDefault(
  dataDir: string,
  info: { pid: number; controlUrl?: string },
  logger: Logger,
  defaultDir: string = osDataDir(),
): () => void {
  if (sameDir(dataDir, defaultDir)) return () => {}
  const file = dataFiles(defaultDir).elsewhere
  const mine: Elsewhere = {
    dataDir: path.resolve(dataDir),
    ...info,
    startedAt: new Date().toISOString(),
  }
  try {
    fs.mkdirSync(defaultDir, { recursive: true, mode: 0o700 })
    writeFileAtomic(file, JSON.stringify(mine, null, 2) + '\n', 0o600)
  } catch (err) {
    logger.warn(
      `Could not write ${file} (${(err as Error).message}); a corral command run without --data-dir will not be told this server uses ${mine.dataDir}.`,
    )
    return () => {}
  }
  return () => {
    const now = readPointer(file)
    if (now && now.pid === mine.pid && now.startedAt === mine.startedAt) {
      fs.rmSync(file, { force: true })
    }
  }
}

/** The pointer in the default folder, if its server still runs (a dead pid's is stale). */
export function readElsewhere(defaultDir: string = osDataDir()): Elsewhere | null {
  const found = readPointer(dataFiles(defaultDir).elsewhere)
  return found && pidAlive(found.pid) ? found : null
}

function readPointer(file: string): Elsewhere | null {
  let raw: unknown
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch {
    return null
  }
  const p = raw as Partial<Elsewhere> | null
  if (
    !p ||
    typeof p.dataDir !== 'string' ||
    !path.isAbsolute(p.dataDir) ||
    p.dataDir.length > MAX_PATH_CHARS ||
    !Number.isInteger(p.pid) ||
    (p.pid as number) <= 0 ||
    typeof p.startedAt !== 'string'
  ) {
    return null
  }
  return {
    dataDir: p.dataDir,
    pid: p.pid as number,
    startedAt: p.startedAt,
    ...(typeof p.controlUrl === 'string' ? { controlUrl: p.controlUrl } : {}),
  }
}
