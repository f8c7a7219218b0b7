// The built main bundle (dist/electron/main.js, what `electron .` runs) starts on the
// Electron fake: data folder, single-instance lock, gateway, tray, window; and quits.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { app, BrowserWindow, Tray, UtilityProcess } from '../mocks/electron.js'
import type { Desktop } from '../../electron/desktop.js'
import { tempDir, writeConfig } from './helpers.js'

const root = process.cwd()
const bundle = path.join(root, 'dist', 'electron', 'main.js')

beforeAll(() => {
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), 'electron'], {
    cwd: root,
    stdio: 'inherit',
  })
}, 120_000)

describe('the built main bundle', () => {
  it('builds the main and preload bundles', () => {
    expect(fs.statSync(bundle).size).toBeGreaterThan(0)
    const preload = fs.readFileSync(path.join(root, 'dist', 'electron', 'preload.cjs'), 'utf8')
    // A sandboxed preload is one CommonJS file that requires nothing but electron.
    const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
    expect(new Set(requires)).toEqual(new Set(['electron']))
  })

  it('starts Corral with the Electron fake and quits cleanly', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    process.env.CORRAL_DATA_DIR = dir
    process.env.XDG_CONFIG_HOME = path.join(dir, 'xdg')
    process.env.CORRAL_LOG_LEVEL = 'warn'

    const mod = (await import(/* @vite-ignore */ pathToFileURL(bundle).href)) as {
      started: Promise<Desktop | null>
    }
    const desktop = await mod.started
    expect(desktop).not.toBeNull()

    expect(app.getName()).toBe('Corral')
    expect(app.getPath('userData')).toBe(dir)
    expect(app.hasSingleInstanceLock()).toBe(true)
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'control.json'), 'utf8')) as {
      pid: number
      url: string
      token: string
      gatewayUrls: string[]
    }
    // The production path: the gateway in its own process (the fake's utilityProcess is a
    // real Node child), reached through the URL and token it reported.
    const ready = desktop!.host.current()!
    expect(UtilityProcess.forked).toHaveLength(1)
    expect(info.pid).not.toBe(process.pid)
    expect(info.url).toBe(ready.controlUrl)
    expect(info.token).toBe(ready.token)
    expect(info.gatewayUrls).toEqual([`http://127.0.0.1:${ready.gatewayPort}`])
    expect(Tray.all).toHaveLength(1)
    const win = BrowserWindow.getAllWindows()[0]!
    expect(win.webContents.getURL()).toBe(`${info.url}/`)
    expect(win.webPreferences.preload).toBe(path.join(root, 'dist', 'electron', 'preload.cjs'))
    await vi.waitFor(() => expect(win.isVisible()).toBe(true))
    const status = await fetch(`${info.url}/control/status`, {
      headers: { authorization: `Bearer ${info.token}` },
    })
    expect(status.status).toBe(200)
    // The page the window loads: the built UI when dist/renderer exists.
    const page = await fetch(`${info.url}/`)
    expect(page.status).toBe(200)
    if (fs.existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
      expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    }
    await page.arrayBuffer()

    await desktop!.quit()
    expect(app.hasQuit).toBe(true)
    expect(fs.existsSync(path.join(dir, 'control.json'))).toBe(false)
  })
})
