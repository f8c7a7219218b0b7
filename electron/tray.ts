// The tray icon and its menu. The icon shows the state (off, sharing, a backend
// down, error); the menu is rebuilt whenever the status changes (checked each
// second, and at once after a toggle or a health change).
import path from 'node:path'
import { Menu, Tray, nativeImage, type NativeImage } from 'electron'
import type { AppStatus, TrayState } from './status.js'
import { trayMenuTemplate, trayTooltip, type TrayActions } from './tray-menu.js'

export const TRAY_REFRESH_MS = 1000

export interface TrayOptions {
  status: () => AppStatus
  actions: TrayActions
  iconsDir: string
  /** A left click on the icon (Windows; elsewhere a click opens the menu). */
  onClick?: () => void
  platform?: NodeJS.Platform
}

export interface TrayHandle {
  readonly tray: Tray
  /** Re-reads the status; rebuilds the menu and icon if anything changed. */
  refresh(): void
  destroy(): void
}

/** `build/icons/tray/<state>.png`; Electron picks `<state>@2x.png` on HiDPI screens. */
export function trayIconPath(iconsDir: string, state: TrayState): string {
  return path.join(iconsDir, 'tray', `${state}.png`)
}

export function trayIcon(iconsDir: string, state: TrayState): NativeImage {
  return nativeImage.createFromPath(trayIconPath(iconsDir, state))
}

export function setupTray(opts: TrayOptions): TrayHandle {
  const first = opts.status()
  const tray = new Tray(trayIcon(opts.iconsDir, first.state))
  let lastKey = ''
  let lastState = first.state

  const refresh = () => {
    if (tray.isDestroyed()) return
    const s = opts.status()
    const key = JSON.stringify(s)
    if (key === lastKey) return
    lastKey = key
    if (s.state !== lastState) {
      lastState = s.state
      tray.setImage(trayIcon(opts.iconsDir, s.state))
    }
    tray.setToolTip(trayTooltip(s))
    // Linux (AppIndicator) only picks up menu changes through a new setContextMenu.
    tray.setContextMenu(Menu.buildFromTemplate(trayMenuTemplate(s, opts.actions)))
  }

  if ((opts.platform ?? process.platform) === 'win32' && opts.onClick) {
    tray.on('click', opts.onClick)
  }
  const timer = setInterval(refresh, TRAY_REFRESH_MS)
  timer.unref()
  refresh()
  return {
    tray,
    refresh,
    destroy() {
      clearInterval(timer)
      if (!tray.isDestroyed()) tray.destroy()
    },
  }
}
