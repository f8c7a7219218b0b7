// The note about a server on another data folder (issue 28), in-process: what it names when
// a pointer's folder is hostile or huge, when the CLI is already on that folder, and how
// folder names compare.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { otherFolderNote } from '../../gateway/cli/other-folder.js'
import { sameDir } from '../../gateway/elsewhere.js'

const temps: string[] = []
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

/** The server the pointer names answers (the CLI test runs real ones). */
const serving = () => Promise.resolve(true)

/** A default folder holding a pointer to `dataDir`, from this (live) process. */
function defaultWithPointer(dataDir: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-note-'))
  temps.push(dir)
  const pointer = { dataDir, pid: process.pid, startedAt: new Date().toISOString() }
  fs.writeFileSync(path.join(dir, 'elsewhere.json'), JSON.stringify(pointer))
  return dir
}

describe('the other-folder note', () => {
  test('escapes control characters in the folder it names', async () => {
    const hostile = path.join(path.sep, 'srv', 'x\u001b[2J\u202ey')
    const def = defaultWithPointer(hostile)
    const note = await otherFolderNote({ dataDir: def, dataDirFrom: 'default' }, def, serving)
    expect(note).not.toBeNull()
    expect(note!.includes('\u001b') || note!.includes('\u202e')).toBe(false)
    expect(note).toContain('x\\x1b[2J\\u202ey')
  })

  test('bounds a folder name longer than any screen', async () => {
    const long = path.join(path.sep, 'srv', 'a'.repeat(3000))
    const def = defaultWithPointer(long)
    const note = (await otherFolderNote({ dataDir: def, dataDirFrom: 'default' }, def, serving))!
    expect(note).toContain('…')
    expect(note.length).toBeLessThan(1500)
  })

  test('says nothing when the command already uses the folder the pointer names', async () => {
    const target = path.join(path.sep, 'srv', 'corral')
    const def = defaultWithPointer(target)
    expect(await otherFolderNote({ dataDir: target, dataDirFrom: 'env' }, def, serving)).toBeNull()
    expect(
      await otherFolderNote({ dataDir: '/srv/other', dataDirFrom: 'env' }, def, serving),
    ).toContain('"/srv/other" (from CORRAL_DATA_DIR)')
  })

  test('ignores a pointer that is not one (relative folder, no pid)', async () => {
    const def = defaultWithPointer('relative/dir')
    expect(await otherFolderNote({ dataDir: def, dataDirFrom: 'default' }, def, serving)).toBeNull()
    fs.writeFileSync(path.join(def, 'elsewhere.json'), JSON.stringify({ dataDir: '/srv/c' }))
    expect(await otherFolderNote({ dataDir: def, dataDirFrom: 'default' }, def, serving)).toBeNull()
  })

  test('folder names compare as the file system does', () => {
    expect(sameDir('/a/b/', '/a/b')).toBe(true)
    expect(sameDir('/A/b', '/a/b', 'linux')).toBe(false)
    expect(sameDir('/A/b', '/a/b', 'darwin')).toBe(true)
    expect(sameDir('/A/b', '/a/b', 'win32')).toBe(true)
  })
})
