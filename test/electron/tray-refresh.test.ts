// Issue 28: when the tray menu is rebuilt. Electron flips a checkbox before its handler
// runs, so a failed toggle must be redrawn; the live numbers must not rebuild an open menu
// (it closes or flickers on macOS and Linux) nor rebuild it every second.
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Tray } from '../mocks/electron.js'
import { setupTray, TRAY_NUMBERS_MS, type TrayHandle } from '../../electron/tray.js'
import type { AppStatus } from '../../electron/status.js'
import type { TrayActions } from '../../electron/tray-menu.js'
import { launch, menuItem, tempDir, writeConfig } from './helpers.js'

const BASE: AppStatus = {
  state: 'sharing',
  running: true,
  sharing: true,
  urls: ['http://192.168.1.5:11435'],
  inFlight: 0,
  activeKeys: 0,
  backendsDown: [],
  exposureWarning: null,
  ollama: { state: 'up', message: null },
  error: null,
  startAtLogin: false,
  pausedReason: null,
  devicesAsking: [],
  who: [],
  everyonePaused: null,
  vulnerable: [],
}

const noop = () => {}
const ACTIONS: TrayActions = {
  setSharing: noop,
  copyUrl: noop,
  addDevice: noop,
  addGuest: noop,
  openWindow: noop,
  setStartAtLogin: noop,
  shareHere: noop,
  setPauseEveryone: noop,
  openKeys: noop,
  quit: noop,
}

const handles: TrayHandle[] = []
afterEach(() => {
  for (const h of handles.splice(0)) h.destroy()
})

function trayWith(status: () => AppStatus, actions: Partial<TrayActions> = {}) {
  let t = 1_000_000
  const clock = { advance: (ms: number) => (t += ms) }
  const handle = setupTray({
    status,
    actions: { ...ACTIONS, ...actions },
    iconsDir: path.join(process.cwd(), 'build', 'icons'),
    platform: 'linux',
    now: () => t,
  })
  handles.push(handle)
  const item = (id: string) => Tray.all.at(-1)!.getMenu()!.getMenuItemById(id)!
  return { handle, clock, item }
}

describe('the tray menu is redrawn', () => {
  it('after a toggle that changed nothing, so the flipped checkbox shows the real state', () => {
    let tray: ReturnType<typeof trayWith> | null = null
    // The action fails: the status stays "not sharing", and the app redraws after it.
    tray = trayWith(() => ({ ...BASE, sharing: false, state: 'off', urls: [] }), {
      setSharing: () => tray!.handle.refresh(),
    })
    expect(tray.item('sharing').checked).toBe(false)
    tray.item('sharing').click()
    expect(tray.item('sharing').checked).toBe(false)
  })

  it('for a change of state at the next tick, but for the numbers at most every few seconds', () => {
    let status = BASE
    const { handle, clock, item } = trayWith(() => status)
    const built = handle.builds
    status = { ...BASE, inFlight: 2, activeKeys: 1 }
    clock.advance(1000)
    handle.tick()
    expect(handle.builds).toBe(built)
    expect(item('live').label).toBe('0 requests in flight · 0 keys active')
    clock.advance(TRAY_NUMBERS_MS)
    handle.tick()
    expect(item('live').label).toBe('2 requests in flight · 1 key active')

    status = { ...status, sharing: false, state: 'off', urls: [] }
    clock.advance(1000)
    handle.tick()
    expect(item('sharing').checked).toBe(false)
  })

  it('never while the menu is open: what changed meanwhile is drawn once it closes', async () => {
    let status = BASE
    const { handle, clock, item } = trayWith(() => status)
    const menu = Tray.all.at(-1)!.openMenu()
    const built = handle.builds
    status = { ...BASE, sharing: false, state: 'off', urls: [], inFlight: 3 }
    clock.advance(TRAY_NUMBERS_MS)
    handle.tick()
    handle.refresh()
    expect(handle.builds).toBe(built)
    expect(Tray.all.at(-1)!.getMenu()).toBe(menu)
    menu.closePopup()
    await vi.waitFor(() => expect(item('sharing').checked).toBe(false))
    expect(handle.builds).toBe(built + 1)
  })
})

describe('in the app', () => {
  /** Issue 28: an OS login item that could not be written left the item checked. */
  it('"Start at login" shows unchecked when the autostart entry could not be written', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    // XDG_CONFIG_HOME is a file: the autostart folder cannot be made.
    const notADir = path.join(dir, 'not-a-dir')
    fs.writeFileSync(notADir, '')
    await launch(dir, { platform: 'linux', env: { XDG_CONFIG_HOME: notADir } })
    menuItem('start-at-login').click()
    expect(menuItem('start-at-login').checked).toBe(true)
    await vi.waitFor(() => expect(menuItem('start-at-login').checked).toBe(false))
  })
})
