// The Corral window: secure web preferences, the UI from the control listener (no
// token in the URL), no new windows, no navigation away, links to the browser, and
// closing it keeps the app in the tray.
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { app, BrowserWindow, session, shell } from '../mocks/electron.js'
import { IPC } from '../../electron/ipc-channels.js'
import { launch, menuItem, tempDir, writeConfig } from './helpers.js'

async function openWindow() {
  const dir = tempDir()
  writeConfig(dir, { sharing: false })
  const desktop = await launch(dir)
  menuItem('open').click()
  const win = BrowserWindow.getAllWindows()[0]
  if (!win) throw new Error('no window')
  await vi.waitFor(() => expect(win.isVisible()).toBe(true))
  return { desktop, win, controlUrl: desktop.running!.controlUrl }
}

describe('the window', () => {
  it('is isolated, sandboxed and without Node, with the preload from the build', async () => {
    const { win } = await openWindow()
    expect(win.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
    })
    expect(win.webPreferences.preload).toBe(
      path.join(process.cwd(), 'dist', 'electron', 'preload.cjs'),
    )
    // A development checkout keeps DevTools; the packaged app has none (below).
    expect(win.webPreferences.devTools).toBe(true)
  })

  it('has no DevTools when packaged: the page holds the control token', async () => {
    app.isPackaged = true
    const { win } = await openWindow()
    expect(win.webPreferences.devTools).toBe(false)
  })

  it('loads the UI from the control listener, without the token in the URL', async () => {
    const { win, controlUrl, desktop } = await openWindow()
    expect(win.webContents.getURL()).toBe(`${controlUrl}/`)
    expect(win.webContents.getURL()).not.toContain(desktop.running!.token)
  })

  it('denies window.open and opens only http(s) links in the browser', async () => {
    const { win } = await openWindow()
    expect(win.webContents.simulateWindowOpen('https://ollama.com/library')).toEqual({
      action: 'deny',
    })
    expect(win.webContents.simulateWindowOpen('file:///etc/passwd')).toEqual({ action: 'deny' })
    expect(win.webContents.simulateWindowOpen('javascript:alert(1)')).toEqual({ action: 'deny' })
    expect(win.webContents.simulateWindowOpen('smb://server/share')).toEqual({ action: 'deny' })
    expect(shell.opened).toEqual(['https://ollama.com/library'])
  })

  it('blocks navigation away from the control origin and opens such links in the browser', async () => {
    const { win, controlUrl } = await openWindow()
    expect(win.webContents.simulateNavigate(`${controlUrl}/keys`)).toBe(true)
    expect(win.webContents.simulateNavigate('http://192.168.1.20:11435/connect')).toBe(false)
    expect(win.webContents.simulateNavigate('http://localhost:1/')).toBe(false)
    expect(win.webContents.simulateNavigate('file:///etc/hosts')).toBe(false)
    expect(win.webContents.simulateNavigate('https://evil.example/', 'will-redirect')).toBe(false)
    expect(win.webContents.getURL()).toBe(`${controlUrl}/keys`)
    expect(shell.opened).toEqual(['http://192.168.1.20:11435/connect', 'http://localhost:1/'])
  })

  it('grants no permission but clipboard writes from the control origin', async () => {
    const { controlUrl } = await openWindow()
    const check = session.defaultSession.permissionCheckHandler as unknown as (
      wc: null,
      permission: string,
      origin: string,
    ) => boolean
    expect(check(null, 'clipboard-sanitized-write', controlUrl)).toBe(true)
    expect(check(null, 'clipboard-sanitized-write', 'https://evil.example')).toBe(false)
    for (const p of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      expect(check(null, p, controlUrl)).toBe(false)
    }
  })

  it('hides on close and the app stays in the tray', async () => {
    const { win, desktop } = await openWindow()
    win.close()
    expect(win.isDestroyed()).toBe(false)
    expect(win.isVisible()).toBe(false)
    expect(app.hasQuit).toBe(false)
    expect(desktop.running!.control.server.listening).toBe(true)
    menuItem('open').click()
    expect(BrowserWindow.getAllWindows()).toEqual([win])
    expect(win.isVisible()).toBe(true)
  })

  it('opens at the add-device view from the tray', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    await launch(dir)
    menuItem('add-device').click()
    const win = BrowserWindow.getAllWindows()[0]!
    await vi.waitFor(() =>
      expect(win.webContents.sent).toEqual([{ channel: IPC.navigate, args: ['add-device'] }]),
    )
    expect(win.isVisible()).toBe(true)
    // Again with the window already open: the route goes straight to the page.
    win.close()
    menuItem('add-device').click()
    expect(win.webContents.sent).toHaveLength(2)
    expect(win.isFocused()).toBe(true)
  })
})

describe('the window on macOS', () => {
  /** Issue 28: after dock.hide() a window opened behind the others. */
  it('brings the dock icon back, then takes focus from the active app', async () => {
    const order: string[] = []
    app.dock = {
      hidden: true,
      hide: () => {
        order.push('dock.hide')
      },
      show: () => {
        order.push('dock.show')
        return Promise.resolve()
      },
    }
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const desktop = await launch(dir, { platform: 'darwin' })
    desktop.window!.show()
    await vi.waitFor(() => expect(app.focusCalls).toContainEqual({ steal: true }))
    expect(order).toContain('dock.show')
  })
})
