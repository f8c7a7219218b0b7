// Files at rest: the data dir holds hashed keys (config.json), the control token
// (control.json), who asked what (corral.db, logs/) and the TLS key. Corral creates them
// for its user only, and on every start puts back modes that were widened, or that an older
// Corral or a copy left wider: the folder and its own subfolders 0700, the files 0600.
import fs from 'node:fs'
import path from 'node:path'
import type { Logger } from '../util/logger.js'

export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/** Corral's subfolders of the data dir (the stats' access log, the self-signed certificate). */
const PRIVATE_SUBDIRS = ['logs', 'tls']

/**
 * Corral's files at the top of the data dir: config.json and its last-good and broken copies,
 * corral.db with its -wal/-shm/-journal and recovered copies, control.json, devices.json and
 * the rest of its JSON, and temp files of an atomic write. Not Electron's own files, which
 * share the folder in the desktop app.
 */
const PRIVATE_FILE = /^(corral\.db.*|config\..*|control\.json.*|\..*\.tmp|[a-z0-9-]+\.json)$/

/** Told when a mode cannot be set (the caller's logger). */
type Warn = (message: string) => void

/** chmod `file` to `mode` when it is a file or folder of ours that is wider; never follows a link. */
function restrict(file: string, mode: number, isDir: boolean, warn: Warn): void {
  let st: fs.Stats
  try {
    st = fs.lstatSync(file)
  } catch {
    return
  }
  if (st.isSymbolicLink() || st.isDirectory() !== isDir || (!isDir && !st.isFile())) return
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return
  if ((st.mode & 0o777) === mode) return
  try {
    fs.chmodSync(file, mode)
  } catch (err) {
    warn(`Could not make ${file} private (${(err as Error).message}).`)
  }
}

/** One file of ours made private (a store that just created corral.db, say). */
export function restrictFile(file: string, warn: Warn): void {
  if (process.platform !== 'win32') restrict(file, PRIVATE_FILE_MODE, false, warn)
}

/**
 * The data dir 0700, its logs/ and tls/ 0700, and every file of Corral's in them 0600. Run
 * on every start, after the config, the stats store and the certificate are open. Windows:
 * the user's profile folder already keeps others out; chmod means nothing there.
 */
export function securePrivateFiles(dataDir: string, logger: Logger): void {
  if (process.platform === 'win32') return
  const warn: Warn = (m) => logger.warn(m)
  restrict(dataDir, PRIVATE_DIR_MODE, true, warn)
  for (const name of safeList(dataDir)) {
    if (PRIVATE_FILE.test(name)) restrict(path.join(dataDir, name), PRIVATE_FILE_MODE, false, warn)
  }
  for (const sub of PRIVATE_SUBDIRS) {
    const dir = path.join(dataDir, sub)
    restrict(dir, PRIVATE_DIR_MODE, true, warn)
    for (const name of safeList(dir)) restrict(path.join(dir, name), PRIVATE_FILE_MODE, false, warn)
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}
