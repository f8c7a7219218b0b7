// When no server runs for the command's data folder but one runs for another folder the app
// or a shell may be using, say so once on stderr, naming that folder and how to reach it.
// The command still uses its own folder: switching silently is what issue 28 is about.
import { dataFiles, osDataDir } from '../config/paths.js'
import { readElsewhere, sameDir } from '../elsewhere.js'
import { boundText } from '../untrusted/bounds.js'
import { escapeForTerminal, escapeOutput } from '../untrusted/escape.js'
import { findServer, type CliContext, type ControlClient } from './context.js'
import fs from 'node:fs'

/** A folder path as printed: control characters escaped, and never a screenful. */
const PATH_SHOWN_MAX_CHARS = 500
const shown = (dir: string) => `"${boundText(escapeForTerminal(dir), PATH_SHOWN_MAX_CHARS)}"`

/** Commands already noted in this process: a command that asks twice says it once. */
const noted = new WeakSet<CliContext>()

/**
 * The running server for the command's data folder (`findServer`); when there is none, a
 * one-line note on stderr if a server runs for another folder this command may have meant.
 */
export async function serverFor(ctx: CliContext): Promise<ControlClient | null> {
  const server = await findServer(ctx.dataDir)
  if (!server && !noted.has(ctx)) {
    noted.add(ctx)
    const note = await otherFolderNote(ctx)
    if (note) process.stderr.write(escapeOutput(`corral: ${note}\n`))
  }
  return server
}

/** The note, or null when no server runs for another folder (a stale pointer says nothing). */
export async function otherFolderNote(
  ctx: Pick<CliContext, 'dataDir' | 'dataDirFrom'>,
  defaultDir: string = osDataDir(),
  serving: (dir: string) => Promise<boolean> = async (dir) => (await findServer(dir)) !== null,
): Promise<string | null> {
  const here = ctx.dataDir
  // (a) This command was pointed away from the default folder, and the app runs there.
  if (!sameDir(here, defaultDir) && fs.existsSync(dataFiles(defaultDir).control)) {
    if (await findServer(defaultDir)) {
      const undo = ctx.dataDirFrom === 'env' ? 'unset CORRAL_DATA_DIR, or add' : 'add'
      return `Corral is running for the default data folder ${shown(defaultDir)}, but this command uses ${shown(here)}${fromWhat(ctx)}. To reach the running one, ${undo} --data-dir ${shown(defaultDir)}.`
    }
  }
  // (b) A server on another folder left a pointer in the default folder.
  const other = readElsewhere(defaultDir)
  // A live pid is not enough (a pointer left by a crash, the pid reused since): the server
  // must answer for that folder too.
  if (other && !sameDir(other.dataDir, here) && (await serving(other.dataDir))) {
    return `Corral is running for the data folder ${shown(other.dataDir)} (pid ${other.pid}), but this command uses ${shown(here)}${fromWhat(ctx)}. To reach the running one, add --data-dir ${shown(other.dataDir)} or set CORRAL_DATA_DIR to it.`
  }
  return null
}

function fromWhat(ctx: Pick<CliContext, 'dataDirFrom'>): string {
  if (ctx.dataDirFrom === 'env') return ' (from CORRAL_DATA_DIR)'
  if (ctx.dataDirFrom === 'flag') return ' (from --data-dir)'
  return ' (the default)'
}
