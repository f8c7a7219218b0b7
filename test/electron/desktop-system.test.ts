// Issue 28: the desktop app against the system around it: shutdown and log-off, a desktop
// without a tray host, Wayland's clipboard, the log file and a terminal that went away.
import fs from 'node:fs'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  app,
  BrowserWindow,
  clipboard,
  Notification,
  powerMonitor,
  shell,
} from '../mocks/electron.js'
import { resetSessionEnd } from '../../electron/system-shutdown.js'
import { NO_TRAY_TITLE, findTrayHost } from '../../electron/tray-host.js'
import { createAppLog, ignoreBrokenPipes, APP_LOG_NAME } from '../../electron/app-log.js'
import { startFakeOllama } from '../support/fake-ollama.js'
import {
  backend,
  createTestKey,
  launch,
  menuItem,
  onCleanup,
  tempDir,
  writeConfig,
} from './helpers.js'

afterEach(() => resetSessionEnd())

async function sharedApp(platform: NodeJS.Platform) {
  const fake = await startFakeOllama()
  onCleanup(() => fake.close())
  const dir = tempDir()
  writeConfig(dir, { sharing: true, backends: [backend(fake.url)] })
  const desktop = await launch(dir, { platform })
  await desktop.running!.corral.health.checkNow()
  return { desktop, dir }
}

describe('shutdown and log-off', () => {
  it('Linux and macOS: a system shutdown holds the system and quits the normal way', async () => {
    const { desktop, dir } = await sharedApp('linux')
    expect(powerMonitor.simulateShutdown()).toBe(true)
    await desktop.lifecycle.stopped()
    expect(fs.existsSync(path.join(dir, 'control.json'))).toBe(false)
  })

  /** 'before-quit' never comes on Windows at log-off: the stats were lost, mDNS stayed. */
  it('Windows: at session end the stats are written, control.json removed, mDNS withdrawn', async () => {
    const { desktop, dir } = await sharedApp('win32')
    const key = await createTestKey(desktop)
    const res = await fetch(`http://127.0.0.1:${desktop.running!.gatewayPort()}/api/tags`, {
      headers: { authorization: `Bearer ${key}` },
    })
    expect(res.status).toBe(200)
    await res.arrayBuffer()
    const withdrawn = vi.spyOn(desktop.running!.corral.discovery, 'close')

    const watcher = BrowserWindow.getAllWindows().find((w) => w.options.show === false)!
    expect(watcher.webContents.getURL()).toBe('')
    watcher.emit('session-end', {})
    // Inside the event, before anything asynchronous: the OS may end the gateway child first.
    expect(fs.existsSync(path.join(dir, 'control.json'))).toBe(false)
    await vi.waitFor(() => expect(app.exitCode).toBe(0))
    expect(withdrawn).toHaveBeenCalled()
    expect(fs.existsSync(path.join(dir, 'control.json'))).toBe(false)
    const db = new Database(path.join(dir, 'corral.db'), { readonly: true })
    const rows = db.prepare('SELECT path FROM requests').all() as { path: string }[]
    db.close()
    expect(rows.map((r) => r.path)).toContain('/api/tags')
    await desktop.running!.close()
  })
})

describe('a desktop without a tray host', () => {
  it('opens the window and says what to install when no StatusNotifierWatcher answers', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const desktop = await launch(dir, { trayHost: () => Promise.resolve('absent') })
    expect(await desktop.trayHostChecked).toBe('absent')
    expect(desktop.window?.get()).not.toBeNull()
    expect(Notification.shown.map((n) => n.title)).toEqual([NO_TRAY_TITLE])
    expect(Notification.shown[0]!.body).toContain('gnome-shell-extension-appindicator')
  })

  it('reads the answer of the session bus', async () => {
    const answer = (out: string | null) => () => Promise.resolve(out)
    expect(await findTrayHost(answer('(true,)\n'))).toBe('present')
    expect(await findTrayHost(answer('(false,)\n'))).toBe('absent')
    expect(await findTrayHost(answer(null))).toBe('unknown')
  })
})

describe('the tray on Wayland and the log', () => {
  it('opens the window when copying the URL did not reach the clipboard', async () => {
    const { desktop } = await sharedApp('linux')
    clipboard.losesWrites = true
    menuItem('url').click()
    expect(clipboard.readText()).toBe('')
    expect(desktop.window?.get()).not.toBeNull()
  })

  it('"Show log" shows the log file, which has what the app logged', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const log = createAppLog({ stderr: new PassThrough() })
    const file = log.openFile(path.join(dir, 'logs'))
    onCleanup(() => log.close())
    await launch(dir, { logFile: file, logger: log.logger })
    log.logger.warn('something to look at')
    menuItem('show-log').click()
    expect(shell.shown).toEqual([path.join(dir, 'logs', APP_LOG_NAME)])
    await vi.waitFor(() => expect(fs.readFileSync(file, 'utf8')).toMatch(/something to look at/))
  })

  it('a closed terminal (EPIPE) neither throws nor stops the log file', async () => {
    const dir = tempDir()
    const stderr = new PassThrough()
    ignoreBrokenPipes([stderr])
    const log = createAppLog({ stderr })
    const file = log.openFile(dir)
    stderr.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    stderr.destroy()
    log.logger.info('still logging')
    await log.close()
    expect(fs.readFileSync(file, 'utf8')).toMatch(/still logging/)
  })
})
