// app: paths, readiness, the single-instance lock, quitting, login items.
import { EventEmitter } from 'node:events'
import os from 'node:os'
import path from 'node:path'
import { electronAppData, FakeEvent } from './common.js'
import { BrowserWindow } from './windows.js'
import { FakeLoginItems, type LoginItemSettingsIn } from './login-items.js'

class FakeApp extends EventEmitter {
  name = 'corral'
  isPackaged = false
  /** Another process holds the single-instance lock (set by a test). */
  lockHeldElsewhere = false
  hasLock = false
  quitCalls = 0
  hasQuit = false
  exitCode: number | null = null
  appUserModelId: string | null = null
  /** Windows' Run key, as Electron reads and writes it (login-items.ts). */
  readonly loginItems = new FakeLoginItems(() => this.appUserModelId ?? 'electron.app.Corral')
  dock: { hidden: boolean; hide(): void; show(): Promise<void> } | undefined = undefined
  private paths = new Map<string, string>()
  private quitting = false

  constructor() {
    super()
    this.reset()
  }
  /** Back to a freshly started Electron. */
  reset(): void {
    this.removeAllListeners()
    Object.assign(this, {
      name: 'corral',
      isPackaged: false,
      lockHeldElsewhere: false,
      hasLock: false,
      quitCalls: 0,
      hasQuit: false,
      exitCode: null,
      appUserModelId: null,
      dock: undefined,
      focusCalls: [],
      quitting: false,
    })
    this.loginItems.reset()
    this.paths.clear()
    const appData = electronAppData()
    this.paths.set('appData', appData)
    // Electron derives userData from the name once, at startup (lib/browser/init.ts).
    this.paths.set('userData', path.join(appData, this.name))
    this.paths.set('home', os.homedir())
    this.paths.set('temp', os.tmpdir())
  }
  getName(): string {
    return this.name
  }
  setName(name: string): void {
    this.name = name
  }
  getVersion(): string {
    return '0.1.0'
  }
  getPath(name: string): string {
    const p = this.paths.get(name)
    if (!p) throw new Error(`Failed to get '${name}' path`)
    return p
  }
  setPath(name: string, p: string): void {
    this.paths.set(name, p)
  }
  /** Without a path: ~/Library/Logs/<name> on macOS, `<userData>/logs` elsewhere (docs/api/app.md). */
  setAppLogsPath(p?: string): void {
    const dir =
      p ??
      (process.platform === 'darwin'
        ? path.join(os.homedir(), 'Library', 'Logs', this.name)
        : path.join(this.getPath('userData'), 'logs'))
    this.paths.set('logs', dir)
  }
  getAppPath(): string {
    return process.cwd()
  }
  isReady(): boolean {
    return true
  }
  whenReady(): Promise<void> {
    return Promise.resolve()
  }
  requestSingleInstanceLock(): boolean {
    this.hasLock = !this.lockHeldElsewhere
    return this.hasLock
  }
  hasSingleInstanceLock(): boolean {
    return this.hasLock
  }
  releaseSingleInstanceLock(): void {
    this.hasLock = false
  }
  /** Like Electron: before-quit, then every window is asked to close, then will-quit and quit. */
  quit(): void {
    this.quitCalls++
    if (this.hasQuit) return
    const before = new FakeEvent()
    this.emit('before-quit', before)
    if (before.defaultPrevented) return
    this.quitting = true
    for (const w of BrowserWindow.getAllWindows()) w.close()
    this.quitting = false
    if (BrowserWindow.windows.length > 0) return
    const will = new FakeEvent()
    this.emit('will-quit', will)
    if (will.defaultPrevented) return
    this.hasQuit = true
    this.emit('quit', new FakeEvent(), 0)
  }
  exit(code = 0): void {
    this.hasQuit = true
    this.exitCode = code
  }
  focusCalls: { steal?: boolean }[] = []
  focus(options: { steal?: boolean } = {}): void {
    this.focusCalls.push(options)
  }
  setAppUserModelId(id: string): void {
    this.appUserModelId = id
  }
  setLoginItemSettings(settings: LoginItemSettingsIn): void {
    this.loginItems.set(settings)
  }
  /** `openAtLogin` only for the same path and args as set (electron browser_win.cc). */
  getLoginItemSettings(options?: { path?: string; args?: string[] }) {
    return this.loginItems.get(options)
  }
  /** What setLoginItemSettings was called with. */
  get loginItemCalls(): LoginItemSettingsIn[] {
    return this.loginItems.calls
  }
  /** Closing the last window quits the app unless someone listens to 'window-all-closed'. */
  onWindowGone(): void {
    if (this.quitting || BrowserWindow.windows.length > 0) return
    if (this.listenerCount('window-all-closed') > 0) this.emit('window-all-closed')
    else this.quit()
  }
}

export const app = new FakeApp()
