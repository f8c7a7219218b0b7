// Issue 28: the app and the CLI never silently use different data folders. An app started
// from the desktop uses the OS default folder while a shell's CORRAL_DATA_DIR points the CLI
// elsewhere, or the reverse; the CLI then says, once on stderr, where the server runs.
// The "OS default" folder here is a temp one (XDG_CONFIG_HOME, APPDATA, HOME in the child).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync, type ChildProcess } from 'node:child_process'
import { afterEach, describe, expect, test } from 'vitest'
import { runCli, startServe } from '../support/cli.js'
import { osDataDir } from '../../gateway/config/paths.js'

const running: ChildProcess[] = []
const temps: string[] = []

afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

/** A machine of its own: an OS default folder and another folder, both temporary. */
function machine() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-other-folder-'))
  temps.push(home)
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    APPDATA: path.join(home, 'AppData', 'Roaming'),
    CORRAL_DATA_DIR: undefined,
  }
  const defaultDir = osDataDir(env, process.platform, home)
  const other = path.join(home, 'elsewhere-data')
  fs.mkdirSync(other)
  return { env, defaultDir, other, pointer: path.join(defaultDir, 'elsewhere.json') }
}

const SERVE = ['--host', '127.0.0.1', '--port', '0', '--control-port', '0', '--no-mdns']

async function serve(args: string[], env: NodeJS.ProcessEnv) {
  const s = await startServe([...SERVE, '--workers', '1', ...args], env)
  running.push(s.child)
  return s
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  child.kill('SIGTERM')
  return exited
}

const noteLines = (stderr: string) => stderr.split('\n').filter((l) => /is running for/.test(l))

describe('a server on a folder that is not the OS default', () => {
  test('leaves a pointer there; a CLI without CORRAL_DATA_DIR names the folder; a clean stop removes it', async () => {
    const m = machine()
    const s = await serve(['--data-dir', m.other], m.env)
    const pointer = JSON.parse(fs.readFileSync(m.pointer, 'utf8')) as Record<string, unknown>
    expect(pointer).toMatchObject({
      dataDir: m.other,
      pid: s.child.pid,
      controlUrl: s.info.control,
    })
    if (process.platform !== 'win32') expect(fs.statSync(m.pointer).mode & 0o777).toBe(0o600)

    const status = await runCli(['status'], m.env)
    expect(status.code).toBe(3)
    const notes = noteLines(status.stderr)
    expect(notes).toHaveLength(1)
    expect(notes[0]).toContain(`"${m.other}"`)
    expect(notes[0]).toContain(`--data-dir "${m.other}"`)
    expect(notes[0]).toContain(`but this command uses "${m.defaultDir}" (the default)`)
    expect(status.stderr).toContain(`Corral is not running for ${m.defaultDir}`)

    // It does not switch: a key made now is in the default folder, not the server's.
    const made = await runCli(['keys', 'create', '--name', 'here', '--json'], m.env)
    expect(made.code).toBe(0)
    expect(noteLines(made.stderr)).toHaveLength(1)
    expect(fs.readFileSync(path.join(m.defaultDir, 'config.json'), 'utf8')).toContain('"here"')
    expect(fs.existsSync(path.join(m.other, 'config.json'))).toBe(true)
    expect(fs.readFileSync(path.join(m.other, 'config.json'), 'utf8')).not.toContain('"here"')

    // The CLI on the server's own folder reaches it and says nothing more.
    const there = await runCli(['status', '--json'], { ...m.env, CORRAL_DATA_DIR: m.other })
    expect(there.code).toBe(0)
    expect(noteLines(there.stderr)).toEqual([])

    expect(await stop(s.child)).toBe(0)
    expect(fs.existsSync(m.pointer)).toBe(false)
    const after = await runCli(['status'], m.env)
    expect(noteLines(after.stderr)).toEqual([])
  })

  test('a server on the default folder leaves no pointer; a CLI with CORRAL_DATA_DIR elsewhere is told', async () => {
    const m = machine()
    const s = await serve([], m.env)
    expect(fs.existsSync(path.join(m.defaultDir, 'control.json'))).toBe(true)
    expect(fs.existsSync(m.pointer)).toBe(false)

    const r = await runCli(['keys', 'list'], { ...m.env, CORRAL_DATA_DIR: m.other })
    expect(r.code).toBe(0)
    const notes = noteLines(r.stderr)
    expect(notes).toHaveLength(1)
    expect(notes[0]).toContain(`the default data folder "${m.defaultDir}"`)
    expect(notes[0]).toContain(`"${m.other}" (from CORRAL_DATA_DIR)`)
    expect(notes[0]).toContain(`unset CORRAL_DATA_DIR, or add --data-dir "${m.defaultDir}"`)

    // Without the variable the same command reaches the server: no note.
    const plain = await runCli(['keys', 'list'], m.env)
    expect(plain.code).toBe(0)
    expect(noteLines(plain.stderr)).toEqual([])
    expect(await stop(s.child)).toBe(0)
  })
})

describe('a stale pointer', () => {
  test('one whose server is gone (pid dead, or the pid reused) says nothing', async () => {
    const m = machine()
    const gone = spawnSync(process.execPath, ['-e', 'process.pid'])
    expect(gone.pid).toBeGreaterThan(0)
    fs.mkdirSync(m.defaultDir, { recursive: true })
    const stale = { dataDir: m.other, pid: gone.pid, startedAt: new Date().toISOString() }
    fs.writeFileSync(m.pointer, JSON.stringify(stale))
    const r = await runCli(['keys', 'list'], m.env)
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')

    // A live pid is not enough either (the pid reused since): the folder's server must answer.
    // (A pointer whose server answers is told: the first test.)
    fs.writeFileSync(m.pointer, JSON.stringify({ ...stale, pid: process.pid }))
    const reused = await runCli(['keys', 'list'], m.env)
    expect(noteLines(reused.stderr)).toEqual([])
  })
})
