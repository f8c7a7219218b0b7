// "Start at login": saved in config.json (desktop.startAtLogin) and applied to the OS:
// an XDG autostart entry on Linux, Electron's login item on macOS and Windows.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { app } from '../mocks/electron.js'
import { addQuoteForArg } from '../mocks/electron/login-items.js'
import {
  autostartFile,
  desktopEntry,
  launchedAtLogin,
  quoteExecArg,
  windowsLoginCommand,
} from '../../electron/login-item.js'
import { launch, menuItem, tempDir, writeConfig } from './helpers.js'

function savedStartAtLogin(dir: string): boolean {
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    desktop: { startAtLogin: boolean }
  }
  return c.desktop.startAtLogin
}

describe('start at login', () => {
  it('writes an XDG autostart entry on Linux and saves the setting', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const xdg = path.join(dir, 'xdg')
    await launch(dir, { platform: 'linux', env: { XDG_CONFIG_HOME: xdg } })
    const file = autostartFile({ XDG_CONFIG_HOME: xdg })
    expect(fs.existsSync(file)).toBe(false)
    expect(menuItem('start-at-login').checked).toBe(false)

    menuItem('start-at-login').click()
    // Saved through the control API (PATCH /control/settings), then the autostart entry.
    await vi.waitFor(() => expect(fs.existsSync(file)).toBe(true))
    expect(menuItem('start-at-login').checked).toBe(true)
    expect(savedStartAtLogin(dir)).toBe(true)
    const entry = fs.readFileSync(file, 'utf8')
    expect(entry).toContain('[Desktop Entry]')
    expect(entry).toMatch(/^Exec=.* --hidden$/m)

    menuItem('start-at-login').click()
    await vi.waitFor(() => expect(fs.existsSync(file)).toBe(false))
    expect(savedStartAtLogin(dir)).toBe(false)
  })

  it.each(['darwin', 'win32'] as const)('uses Electron login items on %s', async (platform) => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    await launch(dir, { platform })
    menuItem('start-at-login').click()
    await vi.waitFor(() => expect(app.loginItemCalls).toHaveLength(1))
    expect(app.loginItemCalls.at(-1)).toEqual(
      platform === 'win32'
        ? { openAtLogin: true, ...windowsLoginCommand() }
        : { openAtLogin: true },
    )
    expect(menuItem('start-at-login').checked).toBe(true)
  })

  /**
   * Issue 28: on Windows the item was registered with `--hidden` but read back without it,
   * so Electron reported it off: the menu showed it unchecked and "off" never removed it.
   */
  it('turns the Windows login item on and off again, reading it with the args it set', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    await launch(dir, { platform: 'win32' })
    const command = windowsLoginCommand()
    menuItem('start-at-login').click()
    await vi.waitFor(() => expect(app.getLoginItemSettings(command).openAtLogin).toBe(true))
    // Electron compares the whole command line: without the args it says "off".
    expect(app.getLoginItemSettings().openAtLogin).toBe(false)
    expect(menuItem('start-at-login').checked).toBe(true)
    // The Run value: the executable, the app folder (a dev checkout), --hidden.
    expect([...app.loginItems.run.values()]).toEqual([
      [process.execPath, process.cwd(), '--hidden'].map(addQuoteForArg).join(' '),
    ])

    menuItem('start-at-login').click()
    await vi.waitFor(() => expect(app.loginItems.run.size).toBe(0))
    expect(menuItem('start-at-login').checked).toBe(false)
    expect(savedStartAtLogin(dir)).toBe(false)
  })

  it('starts a dev checkout with its app folder, a packaged app with its executable alone', () => {
    expect(windowsLoginCommand({})).toEqual({
      path: process.execPath,
      args: [app.getAppPath(), '--hidden'],
    })
    app.isPackaged = true
    expect(windowsLoginCommand({})).toEqual({ path: process.execPath, args: ['--hidden'] })
  })

  /** Issue 28: a login launch does not see CORRAL_DATA_DIR, so the item carries the folder. */
  it('keeps a data folder chosen with CORRAL_DATA_DIR for the launch at login', async () => {
    const chosen = path.resolve('/srv/corral data')
    app.isPackaged = true
    expect(windowsLoginCommand({ CORRAL_DATA_DIR: chosen }).args).toEqual([
      `--data-dir=${chosen}`,
      '--hidden',
    ])
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const xdg = path.join(dir, 'xdg')
    await launch(dir, { platform: 'linux', env: { XDG_CONFIG_HOME: xdg, CORRAL_DATA_DIR: chosen } })
    menuItem('start-at-login').click()
    const file = autostartFile({ XDG_CONFIG_HOME: xdg })
    await vi.waitFor(() => expect(fs.existsSync(file)).toBe(true))
    expect(fs.readFileSync(file, 'utf8')).toContain(
      `Exec=${process.execPath} "--data-dir=${chosen}" --hidden\n`,
    )
  })

  it('removes an older entry of ours registered with other args when turned off', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    // What the previous version wrote: the executable and --hidden, no app folder.
    app.setAppUserModelId('dev.corral.app')
    app.setLoginItemSettings({ openAtLogin: true, args: ['--hidden'] })
    await launch(dir, { platform: 'win32' })
    expect(app.loginItems.run.size).toBe(0)
  })

  it('applies a setting saved elsewhere (the UI, the CLI) at launch', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false, extra: { desktop: { startAtLogin: true } } })
    await launch(dir, { platform: 'darwin' })
    expect(app.getLoginItemSettings().openAtLogin).toBe(true)
    expect(menuItem('start-at-login').checked).toBe(true)
  })

  it('starts in the tray, without the window, when launched at login', () => {
    expect(launchedAtLogin(['corral', '--hidden'], 'linux')).toBe(true)
    expect(launchedAtLogin(['corral'], 'linux')).toBe(false)
    app.loginItems.wasOpenedAtLogin = true
    expect(launchedAtLogin(['Corral'], 'darwin')).toBe(true)
  })

  it('quotes Exec arguments as the Desktop Entry spec says', () => {
    expect(quoteExecArg('/opt/Corral/corral')).toBe('/opt/Corral/corral')
    expect(quoteExecArg('/home/ada/My Apps/Corral.AppImage')).toBe(
      '"/home/ada/My Apps/Corral.AppImage"',
    )
    expect(quoteExecArg('/tmp/a"b$c`d')).toBe('"/tmp/a\\\\"b\\\\$c\\\\`d"')
    expect(quoteExecArg('/tmp/100%')).toBe('"/tmp/100%%"')
    expect(desktopEntry(['/opt/Corral/corral', '--hidden'])).toContain(
      'Exec=/opt/Corral/corral --hidden\n',
    )
  })
})
