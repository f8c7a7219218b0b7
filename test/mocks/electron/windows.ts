// session, webContents and BrowserWindow.
import { EventEmitter } from 'node:events'
import { FakeEvent, type Fn } from './common.js'
import { app } from './app.js'
import { deliverToPage } from './ipc.js'

export class Session {
  permissionRequestHandler: Fn | null = null
  permissionCheckHandler: Fn | null = null
  setPermissionRequestHandler(h: Fn | null): void {
    this.permissionRequestHandler = h
  }
  setPermissionCheckHandler(h: Fn | null): void {
    this.permissionCheckHandler = h
  }
}

export const session = {
  defaultSession: new Session(),
  fromPartition: () => session.defaultSession,
}

let nextId = 1

export interface WebFrameMain {
  url: string
  parent: WebFrameMain | null
}

export class WebContents extends EventEmitter {
  static all: WebContents[] = []
  readonly id = nextId++
  readonly session = session.defaultSession
  readonly mainFrame: WebFrameMain = { url: '', parent: null }
  /** Messages sent to the page with `send()`. */
  sent: { channel: string; args: unknown[] }[] = []
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null
  loaded = false
  destroyed = false
  constructor() {
    super()
    WebContents.all.push(this)
  }
  getURL(): string {
    return this.mainFrame.url
  }
  /** Programmatic loads do not emit will-navigate (as in Electron). */
  loadURL(url: string): Promise<void> {
    this.mainFrame.url = url
    this.loaded = false
    this.emit('did-start-loading')
    return new Promise((resolve) =>
      setImmediate(() => {
        this.loaded = true
        this.emit('did-finish-load')
        resolve()
      }),
    )
  }
  isLoading(): boolean {
    return !this.loaded
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args })
    deliverToPage(this, channel, args)
  }
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h
  }
  /** The page calls window.open(url): what the app's handler answers (Electron's default: allow). */
  simulateWindowOpen(url: string): { action: string } {
    return this.windowOpenHandler?.({ url }) ?? { action: 'allow' }
  }
  /** The page follows a link: returns true when the navigation happened. */
  simulateNavigate(
    url: string,
    event: 'will-navigate' | 'will-redirect' = 'will-navigate',
  ): boolean {
    const e = new FakeEvent({
      url,
      isMainFrame: true,
      isSameDocument: false,
      frame: this.mainFrame,
    })
    this.emit(event, e, url)
    if (!e.defaultPrevented) this.mainFrame.url = url
    return !e.defaultPrevented
  }
  focus(): void {}
  openDevTools(): void {}
  isDestroyed(): boolean {
    return this.destroyed
  }
  close(): void {
    this.destroyed = true
  }
}

export class BrowserWindow extends EventEmitter {
  static windows: BrowserWindow[] = []
  static getAllWindows(): BrowserWindow[] {
    return [...BrowserWindow.windows]
  }
  static fromWebContents(wc: WebContents): BrowserWindow | null {
    return BrowserWindow.windows.find((w) => w.webContents === wc) ?? null
  }
  static getFocusedWindow(): BrowserWindow | null {
    return BrowserWindow.windows.find((w) => w.focused) ?? null
  }
  readonly id = nextId++
  readonly webContents = new WebContents()
  readonly options: Record<string, unknown>
  readonly webPreferences: Record<string, unknown>
  visible: boolean
  focused = false
  minimized = false
  destroyed = false
  constructor(options: Record<string, unknown> = {}) {
    super()
    this.options = options
    this.webPreferences = { ...((options.webPreferences as Record<string, unknown>) ?? {}) }
    this.visible = options.show !== false
    BrowserWindow.windows.push(this)
    this.webContents.on('did-finish-load', () => this.emit('ready-to-show'))
    app.emit('browser-window-created', new FakeEvent(), this)
    app.emit('web-contents-created', new FakeEvent(), this.webContents)
  }
  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url)
  }
  show(): void {
    this.visible = true
    this.focused = true
    this.emit('show')
  }
  hide(): void {
    this.visible = false
    this.focused = false
    this.emit('hide')
  }
  focus(): void {
    this.focused = true
    this.emit('focus')
  }
  isVisible(): boolean {
    return this.visible
  }
  isFocused(): boolean {
    return this.focused
  }
  minimize(): void {
    this.minimized = true
  }
  isMinimized(): boolean {
    return this.minimized
  }
  restore(): void {
    this.minimized = false
  }
  removeMenu(): void {}
  setMenuBarVisibility(): void {}
  /** What the close button does: 'close' may be prevented; otherwise the window goes. */
  close(): void {
    if (this.destroyed) return
    const e = new FakeEvent()
    this.emit('close', e)
    if (!e.defaultPrevented) this.destroy()
  }
  destroy(): void {
    if (this.destroyed) return
    this.destroyed = true
    this.visible = false
    this.webContents.close()
    BrowserWindow.windows = BrowserWindow.windows.filter((w) => w !== this)
    this.emit('closed')
    app.onWindowGone()
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
}
