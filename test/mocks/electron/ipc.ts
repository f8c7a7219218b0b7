// ipcMain, ipcRenderer and contextBridge. `ipcRenderer` speaks for one page at a
// time (its preload about to run): `attachPreload(contents)`.
import { EventEmitter } from 'node:events'
import type { Handler } from './common.js'
import { WebContents } from './windows.js'

class IpcMain extends EventEmitter {
  handlers = new Map<string, Handler>()
  handle(channel: string, fn: Handler): void {
    this.handlers.set(channel, fn)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
}
export const ipcMain = new IpcMain()

/** The page whose preload `ipcRenderer` speaks for (see `attachPreload`). */
let preloadContents: WebContents | null = null
let rendererBus = new EventEmitter()

function mainEvent() {
  const sender = preloadContents ?? new WebContents()
  return { sender, senderFrame: sender.mainFrame, returnValue: undefined as unknown }
}

export const ipcRenderer = {
  on(channel: string, fn: Handler) {
    rendererBus.on(channel, fn)
    return ipcRenderer
  },
  removeListener(channel: string, fn: Handler) {
    rendererBus.removeListener(channel, fn)
    return ipcRenderer
  },
  send(channel: string, ...args: unknown[]): void {
    ipcMain.emit(channel, mainEvent(), ...args)
  },
  sendSync(channel: string, ...args: unknown[]): unknown {
    const e = mainEvent()
    ipcMain.emit(channel, e, ...args)
    return e.returnValue
  },
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    const h = ipcMain.handlers.get(channel)
    if (!h) throw new Error(`No handler registered for '${channel}'`)
    return h(mainEvent(), ...args)
  },
}

/** What preloads exposed with contextBridge: the page's `window.*`. */
export const mainWorld: Record<string, unknown> = {}

export const contextBridge = {
  exposeInMainWorld(key: string, api: unknown): void {
    if (key in mainWorld)
      throw new Error(`Cannot bind an API on top of an existing property: ${key}`)
    mainWorld[key] = api
  },
}

/** Makes `ipcRenderer` speak as the page in `contents` (its preload about to run). */
export function attachPreload(contents: WebContents): void {
  preloadContents = contents
  rendererBus = new EventEmitter()
  for (const k of Object.keys(mainWorld)) delete mainWorld[k]
}

/** `webContents.send()`: reaches the preload's listeners if that page is the attached one. */
export function deliverToPage(contents: WebContents, channel: string, args: unknown[]): void {
  if (preloadContents === contents) rendererBus.emit(channel, { sender: ipcRenderer }, ...args)
}

export function resetIpc(): void {
  ipcMain.removeAllListeners()
  ipcMain.handlers.clear()
  preloadContents = null
  rendererBus = new EventEmitter()
  for (const k of Object.keys(mainWorld)) delete mainWorld[k]
}
