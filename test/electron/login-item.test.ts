// "Start at login": saved in config.json (desktop.startAtLogin) and applied to the OS:
// an XDG autostart entry on Linux, Electron's login item on macOS and Windows.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { app } from '../mocks/electron.js'
import {
  autostartFile,
  desktopEntry,
  launchedAtLogin,
  quoteExecArg,
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
    await vi.waitFor(() => expect(menuItem('start-at-login').checked).toBe(true))
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
    await vi.waitFor(() => expect(app.getLoginItemSettings().openAtLogin).toBe(true))
    expect(app.loginItemCalls.at(-1)).toEqual(
      platform === 'win32' ? { openAtLogin: true, args: ['--hidden'] } : { openAtLogin: true },
    )
    expect(menuItem('start-at-login').checked).toBe(true)
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
    app.setLoginItemSettings({ wasOpenedAtLogin: true })
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
