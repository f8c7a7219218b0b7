// The tray's "Add a guest…": it opens the window at the Keys view's guest dialog, through
// the same route the preload hands to the page as "Add a device…" does.
import { describe, expect, it, vi } from 'vitest'
import { attachPreload, BrowserWindow, mainWorld } from '../mocks/electron.js'
import { IPC } from '../../electron/ipc-channels.js'
import type { CorralDesktopBridge } from '../../electron/preload.js'
import { launch, menuItem, tempDir, writeConfig } from './helpers.js'

describe('the tray’s Add a guest…', () => {
  it('is there while the gateway runs, and sends the add-guest route to the window', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    await launch(dir)
    expect(menuItem('add-guest')).toMatchObject({ label: 'Add a guest…', enabled: true })
    menuItem('add-guest').click()
    const win = BrowserWindow.getAllWindows()[0]!
    await vi.waitFor(() =>
      expect(win.webContents.sent).toEqual([{ channel: IPC.navigate, args: ['add-guest'] }]),
    )
    expect(win.isVisible()).toBe(true)
  })

  it('reaches the page through the preload', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    await launch(dir)
    menuItem('open').click()
    const win = BrowserWindow.getAllWindows()[0]!
    attachPreload(win.webContents)
    const spec = '../../electron/preload.js?load=guest'
    await import(/* @vite-ignore */ spec)
    const bridge = mainWorld.corral as CorralDesktopBridge
    await vi.waitFor(() => expect(win.webContents.loaded).toBe(true))
    const seen: string[] = []
    bridge.onNavigate((route) => seen.push(route))
    menuItem('add-guest').click()
    expect(seen).toEqual(['add-guest'])
  })
})
