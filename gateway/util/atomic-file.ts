import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'

/**
 * Write a file so that a crash at any moment leaves either the old or the new
 * content, never a mix: temp file in the same folder, fsync, rename, fsync dir.
 */
export function writeFileAtomic(file: string, data: string, mode = 0o600): void {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`)
  const fd = fs.openSync(tmp, 'w', mode)
  try {
    try {
      // writeFileSync loops until every byte is written: a bare writeSync returns a
      // short count on a nearly full disk, and a truncated file was renamed into place.
      fs.writeFileSync(fd, data)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, file)
  } catch (err) {
    // A half-written temp file on a full disk would keep it full: never leave one.
    fs.rmSync(tmp, { force: true })
    throw err
  }
  fsyncDir(dir)
}

function fsyncDir(dir: string): void {
  // Directories cannot be opened for fsync on Windows; the rename is durable enough there.
  if (process.platform === 'win32') return
  const fd = fs.openSync(dir, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}

/** Remove temp files a crash between write and rename left behind. */
export function removeStaleTempFiles(dir: string, base: string): void {
  let names: string[]
  try {
    names = fs.readdirSync(dir)
  } catch {
    return
  }
  for (const name of names) {
    if (name.startsWith(`.${base}.`) && name.endsWith('.tmp')) {
      fs.rmSync(path.join(dir, name), { force: true })
    }
  }
}
