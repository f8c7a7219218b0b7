// The Corral window: the React UI loaded from the control listener, the control token
// handed over by the preload (never in the URL). Closing it hides it; the app stays
// in the tray. Created on first use, so a tray-only session costs no renderer.
import { app, BrowserWindow, type WebContents, type WebPreferences } from 'electron'
import type { Logger } from '../gateway/util/logger.js'
import { IPC, type DesktopRoute } from './ipc-channels.js'

export interface WindowOptions {
  /** Read at each load: a restarted gateway may listen on another port. */
  controlUrl: () => string
  preload: string
  /** Window icon (Linux and Windows; macOS takes the app's). */
  icon?: string
  logger: Logger
  platform?: NodeJS.Platform
}

export interface MainWindow {
  /** Shows and focuses the window (creating it if needed), at `route` when given. */
  show(route?: DesktopRoute): void
  /** The window, if one is open (hidden or not). */
  get(): BrowserWindow | null
  isAppContents(contents: WebContents): boolean
  /** Loads the UI again from the control URL as it is now (the gateway restarted). */
  reload(): void
  /** From now on closing really closes (the app is quitting). */
  allowClose(): void
  destroy(): void
}

/** The renderer is a web page: isolated, sandboxed, no Node. */
export function secureWebPreferences(
  preload: string,
  packaged: boolean = app.isPackaged,
): WebPreferences {
  return {
    preload,
    // The page holds the control token: no DevTools in the packaged app (a checkout keeps them).
    devTools: !packaged,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  }
}

export function setupWindow(opts: WindowOptions): MainWindow {
  const platform = opts.platform ?? process.platform
  let win: BrowserWindow | null = null
  let closing = false
  let loaded = false
  let pendingRoute: DesktopRoute | null = null

  const sendRoute = () => {
    if (!win || !loaded || !pendingRoute) return
    win.webContents.send(IPC.navigate, pendingRoute)
    pendingRoute = null
  }

  const create = (): BrowserWindow => {
    const w = new BrowserWindow({
      title: 'Corral',
      width: 1100,
      height: 760,
      minWidth: 720,
      minHeight: 520,
      show: false,
      autoHideMenuBar: true,
      ...(opts.icon && platform !== 'darwin' ? { icon: opts.icon } : {}),
      webPreferences: secureWebPreferences(opts.preload),
    })
    loaded = false
    w.once('ready-to-show', () => {
      w.show()
      if (platform === 'darwin') bringToFront(w)
    })
    w.webContents.on('did-start-loading', () => {
      loaded = false
    })
    w.webContents.on('did-finish-load', () => {
      loaded = true
      sendRoute()
    })
    w.webContents.on('render-process-gone', (_e, details) => {
      opts.logger.warn(`The window's page stopped (${details.reason}); it reopens from the tray.`)
      w.destroy()
    })
    w.on('close', (event) => {
      if (closing) return
      event.preventDefault()
      w.hide()
    })
    w.on('show', () => void app.dock?.show())
    w.on('hide', () => app.dock?.hide())
    w.on('closed', () => {
      if (win === w) win = null
    })
    load(w)
    return w
  }

  const load = (w: BrowserWindow) => {
    const url = opts.controlUrl()
    w.loadURL(`${url}/`).catch((err: unknown) => {
      opts.logger.error(`Loading the UI from ${url} failed: ${(err as Error).message}`)
    })
  }

  return {
    show(route) {
      if (route) pendingRoute = route
      if (!win || win.isDestroyed()) {
        win = create()
        return
      }
      if (win.isMinimized()) win.restore()
      win.show()
      win.focus()
      if (platform === 'darwin') bringToFront(win)
      sendRoute()
    },
    get: () => (win && !win.isDestroyed() ? win : null),
    reload() {
      if (win && !win.isDestroyed()) load(win)
    },
    isAppContents: (contents) => win !== null && !win.isDestroyed() && win.webContents === contents,
    allowClose() {
      closing = true
    },
    destroy() {
      closing = true
      if (win && !win.isDestroyed()) win.destroy()
      win = null
    },
  }
}

/**
 * macOS: after `dock.hide()` the app is an accessory; a window shown then opens behind
 * the others. The dock icon comes back first (dock.show() resolves once it has), then
 * the app takes focus even from the active app (electron docs/api/app.md, app.focus
 * `steal`, and docs/api/dock.md).
 */
function bringToFront(w: BrowserWindow): void {
  void (app.dock?.show() ?? Promise.resolve()).then(() => {
    if (w.isDestroyed()) return
    w.show()
    app.focus({ steal: true })
  })
}
