// One Corral per user: a second launch focuses the first; a launch that finds the lock
// taken quits before starting anything.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { app, BrowserWindow, FakeEvent } from '../mocks/electron.js'
import { main } from '../../electron/startup.js'
import { onCleanup, tempDir, testDesktopOptions, writeConfig } from './helpers.js'

describe('single instance', () => {
  it('focuses the running window when Corral is launched again', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const desktop = await main({ env: { CORRAL_DATA_DIR: dir }, desktop: testDesktopOptions(dir) })
    onCleanup(() => desktop?.quit())
    expect(app.hasSingleInstanceLock()).toBe(true)
    expect(BrowserWindow.getAllWindows()).toHaveLength(0)

    app.emit('second-instance', new FakeEvent(), ['corral'], process.cwd(), {})
    const win = BrowserWindow.getAllWindows()[0]!
    await vi.waitFor(() => expect(win.isVisible()).toBe(true))

    win.close() // hidden, in the tray
    win.minimize()
    app.emit('second-instance', new FakeEvent(), ['corral'], process.cwd(), {})
    expect(BrowserWindow.getAllWindows()).toEqual([win])
    expect(win.isVisible()).toBe(true)
    expect(win.isFocused()).toBe(true)
    expect(win.isMinimized()).toBe(false)
  })

  it('quits without starting a gateway when another instance holds the lock', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    app.lockHeldElsewhere = true
    const desktop = await main({ env: { CORRAL_DATA_DIR: dir }, desktop: testDesktopOptions(dir) })
    expect(desktop).toBeNull()
    expect(app.hasQuit).toBe(true)
    expect(fs.existsSync(path.join(dir, 'control.json'))).toBe(false)
  })
})
