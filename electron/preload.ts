// The window's preload (sandboxed, bundled to dist/electron/preload.cjs). It gives the
// page one object, `window.corral`: the control token for the API's Authorization
// header, a way to open links in the browser, and the views the tray asks for.
// Nothing else of Electron reaches the page.
import { contextBridge, ipcRenderer } from 'electron'
import { IPC, type DesktopRoute } from './ipc-channels.js'

/** What the UI finds at `window.corral` in the desktop app (absent in a browser). */
export interface CorralDesktopBridge {
  /** The control token, or null if this page is not the app's own window. */
  readonly controlToken: string | null
  /** Opens an http(s) URL in the user's browser (anything else is ignored). */
  openExternal(url: string): void
  /** Calls `fn` when the tray opens a view; one asked for before this call is delivered now. */
  onNavigate(fn: (route: DesktopRoute) => void): () => void
}

const token: unknown = ipcRenderer.sendSync(IPC.controlToken)
const listeners = new Set<(route: DesktopRoute) => void>()
let pending: DesktopRoute | null = null

ipcRenderer.on(IPC.navigate, (_event, route: unknown) => {
  if (route !== 'add-device' && route !== 'add-guest' && route !== 'keys') return
  if (listeners.size === 0) pending = route
  for (const fn of listeners) fn(route)
})

const bridge: CorralDesktopBridge = {
  controlToken: typeof token === 'string' ? token : null,
  openExternal(url) {
    if (typeof url === 'string') ipcRenderer.send(IPC.openExternal, url)
  },
  onNavigate(fn) {
    if (typeof fn !== 'function') return () => {}
    listeners.add(fn)
    if (pending) {
      const route = pending
      pending = null
      fn(route)
    }
    return () => void listeners.delete(fn)
  },
}

contextBridge.exposeInMainWorld('corral', bridge)
