// The one Electron fake every suite shares (mocked once in test/setup.ts, the way
// electron/fiddle does it). It behaves like Electron where the app depends on it
// (quit asks windows to close, closing the last window quits unless someone listens
// to 'window-all-closed', a missing image file gives an empty image) and records
// what the app did so tests can assert it. `resetElectronFake()` between tests.
import { app } from './electron/app.js'
import { BrowserWindow, session, WebContents } from './electron/windows.js'
import { Menu, MenuItem, nativeImage, Tray } from './electron/tray.js'
import {
  clipboard,
  Notification,
  powerMonitor,
  shell,
  UtilityProcess,
  utilityProcess,
} from './electron/system.js'
import { contextBridge, ipcMain, ipcRenderer, resetIpc } from './electron/ipc.js'

export { FakeEvent, electronAppData } from './electron/common.js'
export { app } from './electron/app.js'
export { BrowserWindow, session, Session, WebContents } from './electron/windows.js'
export type { WebFrameMain } from './electron/windows.js'
export { Menu, MenuItem, nativeImage, NativeImage, Tray } from './electron/tray.js'
export {
  clipboard,
  collectGarbage,
  Notification,
  powerMonitor,
  ShownNotification,
  shell,
  UtilityProcess,
  utilityProcess,
} from './electron/system.js'
export { attachPreload, contextBridge, ipcMain, ipcRenderer, mainWorld } from './electron/ipc.js'

/** A fresh Electron: call between tests. */
export function resetElectronFake(): void {
  app.reset()
  resetIpc()
  for (const w of BrowserWindow.windows) w.removeAllListeners()
  BrowserWindow.windows = []
  WebContents.all = []
  Tray.all = []
  Menu.applicationMenu = null
  session.defaultSession.setPermissionRequestHandler(null)
  session.defaultSession.setPermissionCheckHandler(null)
  shell.opened = []
  shell.shown = []
  clipboard.text = ''
  clipboard.losesWrites = false
  Notification.supported = true
  Notification.shown = []
  powerMonitor.reset()
  UtilityProcess.forked = []
}

export default {
  app,
  ipcMain,
  ipcRenderer,
  contextBridge,
  BrowserWindow,
  Menu,
  MenuItem,
  Tray,
  Notification,
  powerMonitor,
  utilityProcess,
  nativeImage,
  shell,
  clipboard,
  session,
}
