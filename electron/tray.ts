// The tray icon and its menu. The icon shows the state (off, sharing, a backend down,
// error). The menu is rebuilt:
// - at once after an action, whatever its outcome: Electron flips a checkbox's `checked`
//   on click, before the handler runs (electron lib/browser/api/menu-item.ts), so a
//   toggle that failed must be redrawn from the real state;
// - when the state changes (checked each second);
// - for the live numbers (requests in flight, tok/s) at most every TRAY_NUMBERS_MS;
// - never while the menu is open: a new context menu closes or flickers an open one on
//   macOS and Linux (electron/electron#4801, #10951). What came in meanwhile is drawn
//   when it closes ('menu-will-show' / 'menu-will-close', electron docs/api/menu.md).
import path from 'node:path'
import { Menu, Tray, nativeImage, type NativeImage } from 'electron'
import type { AppStatus, TrayState } from './status.js'
import { trayMenuTemplate, trayTooltip, type TrayActions } from './tray-menu.js'

/** How often the status is read. */
export const TRAY_REFRESH_MS = 1000
/** The live numbers are redrawn at most this often. */
export const TRAY_NUMBERS_MS = 5000

export interface TrayOptions {
  status: () => AppStatus
  actions: TrayActions
  iconsDir: string
  /** A left click on the icon (Windows; elsewhere a click opens the menu). */
  onClick?: () => void
  platform?: NodeJS.Platform
  /** Clock (tests). */
  now?: () => number
}

export interface TrayHandle {
  readonly tray: Tray
  /** Redraws the menu now (after an action or an event), or when it closes if it is open. */
  refresh(): void
  /** The periodic check: redraws for a changed state, or for numbers now and then. */
  tick(): void
  /** How many times the menu was built (tests). */
  readonly builds: number
  destroy(): void
}

/** `build/icons/tray/<state>.png`; Electron picks `<state>@2x.png` on HiDPI screens. */
export function trayIconPath(iconsDir: string, state: TrayState): string {
  return path.join(iconsDir, 'tray', `${state}.png`)
}

export function trayIcon(iconsDir: string, state: TrayState): NativeImage {
  return nativeImage.createFromPath(trayIconPath(iconsDir, state))
}

/** The status split into what changes the menu's state and the live numbers. */
export function statusKeys(s: AppStatus): { state: string; numbers: string } {
  const { inFlight, activeKeys, who, ...rest } = s
  return {
    state: JSON.stringify({ ...rest, whoCount: who.length }),
    numbers: JSON.stringify({ inFlight, activeKeys, who }),
  }
}

export function setupTray(opts: TrayOptions): TrayHandle {
  const now = opts.now ?? Date.now
  const first = opts.status()
  const tray = new Tray(trayIcon(opts.iconsDir, first.state))
  let last = { state: '', numbers: '' }
  let lastState = first.state
  let numbersAt = 0
  let menuOpen = false
  let pending = false
  let builds = 0

  const build = (s: AppStatus) => {
    if (menuOpen) {
      pending = true
      return
    }
    pending = false
    last = statusKeys(s)
    numbersAt = now()
    if (s.state !== lastState) {
      lastState = s.state
      tray.setImage(trayIcon(opts.iconsDir, s.state))
    }
    tray.setToolTip(trayTooltip(s))
    const menu = Menu.buildFromTemplate(trayMenuTemplate(s, opts.actions))
    menu.on('menu-will-show', () => {
      menuOpen = true
    })
    menu.on('menu-will-close', () => {
      menuOpen = false
      // After the click that closed it has been handled.
      if (pending) setImmediate(refresh)
    })
    // Linux (StatusNotifierItem) only picks up menu changes through a new setContextMenu.
    tray.setContextMenu(menu)
    builds++
  }
  const refresh = () => {
    if (!tray.isDestroyed()) build(opts.status())
  }
  const tick = () => {
    if (tray.isDestroyed()) return
    const s = opts.status()
    const keys = statusKeys(s)
    if (keys.state !== last.state) build(s)
    else if (keys.numbers !== last.numbers && now() - numbersAt >= TRAY_NUMBERS_MS) build(s)
  }

  if ((opts.platform ?? process.platform) === 'win32' && opts.onClick) {
    tray.on('click', opts.onClick)
  }
  const timer = setInterval(tick, TRAY_REFRESH_MS)
  timer.unref()
  refresh()
  return {
    tray,
    refresh,
    tick,
    get builds() {
      return builds
    },
    destroy() {
      clearInterval(timer)
      if (!tray.isDestroyed()) tray.destroy()
    },
  }
}
