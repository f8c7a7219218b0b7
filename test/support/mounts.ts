// Small filesystems for fault tests: a tiny tmpfs that fills up, and a
// read-only view of a folder. Needs root (mount); `canMount()` says. Every
// mount made here is undone by `unmountAll()` and, as a last resort, on exit.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const mounted: string[] = []
let usable: boolean | undefined

/** True when this process may mount (checked once by mounting a 64 KB tmpfs). */
export function canMount(): boolean {
  if (usable !== undefined) return usable
  usable = false
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return usable
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-mount-probe-'))
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0) {
    usable = spawnSync('umount', [probe]).status === 0
  }
  fs.rmdirSync(probe)
  return usable
}

/** A fresh folder with a tmpfs of `sizeKb` mounted on it. */
export function tmpfsDir(sizeKb: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-tmpfs-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0700`, 'tmpfs', dir])
  mounted.push(dir)
  return dir
}

/**
 * Make `dir` read-only for every file opened from now on, while files already
 * open for writing (SQLite, the access log) keep working: a read-only bind
 * mount stacked on the folder itself. Undo with `unmount(dir)`.
 */
export function makeReadOnly(dir: string): void {
  execFileSync('mount', ['--bind', dir, dir])
  mounted.push(dir)
  execFileSync('mount', ['-o', 'remount,bind,ro', dir])
}

/** Fill the filesystem holding `dir` until the next write fails with ENOSPC. */
export function fill(dir: string): string {
  const file = path.join(dir, 'filler.bin')
  const fd = fs.openSync(file, 'w')
  const chunk = Buffer.alloc(16 * 1024)
  try {
    for (;;) fs.writeSync(fd, chunk)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  }
  // Small writes may still fit in the last partial block: use them up too.
  try {
    for (;;) fs.writeSync(fd, Buffer.alloc(1))
  } catch {
    // full
  } finally {
    fs.closeSync(fd)
  }
  return file
}

/** Undo the most recent mount on `dir`. */
export function unmount(dir: string): void {
  const i = mounted.lastIndexOf(dir)
  if (i === -1) return
  mounted.splice(i, 1)
  if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir])
}

/** Undo every mount this process made, newest first, and remove the folders it created. */
export function unmountAll(): void {
  while (mounted.length > 0) {
    const dir = mounted.at(-1)!
    unmount(dir)
    if (!mounted.includes(dir) && path.basename(dir).startsWith('corral-tmpfs-')) {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

process.once('exit', unmountAll)
