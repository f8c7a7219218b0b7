// The application menu of the packaged app. Without one, Electron installs its default menu
// (electron lib/browser/default-menu.ts), whose View menu has Reload, Force Reload and Toggle
// Developer Tools: anyone at the keyboard could open DevTools on the control page, which holds
// the control token, and Ctrl+R reloads it mid-dialog. Windows and Linux get no menu bar (the
// window is a manager, its editing keys work without one); macOS keeps the app, Edit and
// Window menus, since Copy and Paste only work there through Edit's roles. A development
// checkout keeps Electron's default, DevTools included.
import { Menu, type MenuItemConstructorOptions } from 'electron'

/** The menu for a platform: null is no menu bar at all. */
export function appMenuTemplate(platform: NodeJS.Platform): MenuItemConstructorOptions[] | null {
  if (platform !== 'darwin') return null
  return [{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }]
}

/** Sets the packaged app's menu; leaves Electron's default in a development checkout. */
export function setupAppMenu(opts: { packaged: boolean; platform: NodeJS.Platform }): void {
  if (!opts.packaged) return
  const template = appMenuTemplate(opts.platform)
  Menu.setApplicationMenu(template === null ? null : Menu.buildFromTemplate(template))
}
