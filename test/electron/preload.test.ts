// The preload gives the page `window.corral` and nothing else: the control token (only
// in the app's own window, on the control origin), opening links in the browser, and
// the views the tray opens.
import { describe, expect, it, vi } from 'vitest'
import { attachPreload, BrowserWindow, mainWorld, shell, WebContents } from '../mocks/electron.js'
import type { CorralDesktopBridge } from '../../electron/preload.js'
import { launch, menuItem, tempDir, writeConfig } from './helpers.js'

let loads = 0

/** Runs the preload for the page in `contents`, as Electron does on each page load. */
async function runPreload(contents: WebContents): Promise<CorralDesktopBridge> {
  attachPreload(contents)
  const spec = `../../electron/preload.js?load=${++loads}`
  await import(/* @vite-ignore */ spec)
  return mainWorld.corral as CorralDesktopBridge
}

async function appWindow() {
  const dir = tempDir()
  writeConfig(dir, { sharing: false })
  const desktop = await launch(dir)
  menuItem('open').click()
  const win = BrowserWindow.getAllWindows()[0]!
  return { desktop, win }
}

describe('the preload', () => {
  it("hands the control token to the app's window through contextBridge, and nothing else", async () => {
    const { desktop, win } = await appWindow()
    const bridge = await runPreload(win.webContents)
    expect(Object.keys(mainWorld)).toEqual(['corral'])
    expect(Object.keys(bridge).sort()).toEqual(['controlToken', 'onNavigate', 'openExternal'])
    expect(bridge.controlToken).toBe(desktop.running!.token)
  })

  it('gives no token to a page that is not the app window', async () => {
    await appWindow()
    const bridge = await runPreload(new WebContents())
    expect(bridge.controlToken).toBeNull()
  })

  it('gives no token to the app window once it shows another origin', async () => {
    const { win } = await appWindow()
    win.webContents.mainFrame.url = 'https://evil.example/'
    expect((await runPreload(win.webContents)).controlToken).toBeNull()
  })

  it('opens http(s) links in the browser for the app window only', async () => {
    const { win } = await appWindow()
    const bridge = await runPreload(win.webContents)
    bridge.openExternal('https://ollama.com/download')
    bridge.openExternal('file:///etc/passwd')
    expect(shell.opened).toEqual(['https://ollama.com/download'])
    const stranger = await runPreload(new WebContents())
    stranger.openExternal('https://example.com/')
    expect(shell.opened).toEqual(['https://ollama.com/download'])
  })

  it('delivers a view the tray asked for before the page listened, then later ones as they come', async () => {
    const { win } = await appWindow()
    const bridge = await runPreload(win.webContents)
    await vi.waitFor(() => expect(win.webContents.loaded).toBe(true))
    menuItem('add-device').click()
    const seen: string[] = []
    const off = bridge.onNavigate((route) => seen.push(route))
    expect(seen).toEqual(['add-device'])
    menuItem('add-device').click()
    expect(seen).toEqual(['add-device', 'add-device'])
    off()
    menuItem('add-device').click()
    expect(seen).toHaveLength(2)
  })
})
