// The packaged app's menu has no Reload and no Developer Tools (Electron's default menu has
// both, electron lib/browser/default-menu.ts): on Windows and Linux no menu bar at all, on
// macOS the app, Edit and Window menus, Copy and Paste included.
import { describe, expect, it } from 'vitest'
import { app, Menu, type MenuItem } from '../mocks/electron.js'
import { setupAppMenu } from '../../electron/app-menu.js'
import { main } from '../../electron/startup.js'
import { onCleanup, tempDir, testDesktopOptions, writeConfig } from './helpers.js'

/** Every role in a menu, submenus included. */
function roles(menu: Menu | null): string[] {
  const out: string[] = []
  const walk = (items: MenuItem[]) => {
    for (const i of items) {
      if (i.role) out.push(i.role)
      if (i.submenu) walk(i.submenu.items)
    }
  }
  if (menu) walk(menu.items)
  return out
}

const DEVELOPER = ['reload', 'forceReload', 'toggleDevTools']

describe('the application menu', () => {
  it('is no menu bar on Windows and Linux when packaged', () => {
    for (const platform of ['win32', 'linux'] as const) {
      Menu.applicationMenu = Menu.buildFromTemplate([{ role: 'viewMenu' }])
      setupAppMenu({ packaged: true, platform })
      expect(Menu.getApplicationMenu()).toBeNull()
    }
  })

  it('keeps editing but not Reload or DevTools on macOS when packaged', () => {
    setupAppMenu({ packaged: true, platform: 'darwin' })
    const all = roles(Menu.getApplicationMenu())
    expect(all).toEqual(expect.arrayContaining(['quit', 'copy', 'paste', 'selectAll', 'minimize']))
    expect(all.filter((r) => DEVELOPER.includes(r))).toEqual([])
  })

  it("leaves Electron's default (with DevTools) to a development checkout", () => {
    const dev = Menu.buildFromTemplate([{ role: 'viewMenu' }])
    Menu.applicationMenu = dev
    setupAppMenu({ packaged: false, platform: 'linux' })
    expect(Menu.getApplicationMenu()).toBe(dev)
    expect(roles(dev)).toEqual(expect.arrayContaining(DEVELOPER))
  })

  it('is set by the packaged app before Electron is ready', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    app.isPackaged = true
    Menu.applicationMenu = Menu.buildFromTemplate([{ role: 'viewMenu' }])
    const desktop = await main({ env: { CORRAL_DATA_DIR: dir }, desktop: testDesktopOptions(dir) })
    onCleanup(() => desktop?.quit())
    expect(roles(Menu.getApplicationMenu()).filter((r) => DEVELOPER.includes(r))).toEqual([])
  })
})
