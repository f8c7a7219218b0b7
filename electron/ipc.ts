// The main side of the preload's bridge. Only the app's own window, its main frame, on
// the control origin, gets the control token or may open links; other senders get
// null or are ignored.
import { ipcMain, type IpcMainEvent, type WebContents } from 'electron'
import type { Logger } from '../gateway/util/logger.js'
import { IPC } from './ipc-channels.js'
import { openExternally, originOf } from './web-security.js'

export interface IpcOptions {
  /** Read at each request: a restarted gateway has a new token and maybe a new origin. */
  token: () => string
  controlOrigin: () => string
  /** Whether these contents belong to a window the app opened. */
  isAppContents: (contents: WebContents) => boolean
  logger: Logger
}

/** Returns the function that removes the handlers. */
export function setupIpc(opts: IpcOptions): () => void {
  const onToken = (event: IpcMainEvent) => {
    event.returnValue = trustedSender(event, opts) ? opts.token() : null
  }
  const onOpenExternal = (event: IpcMainEvent, url: unknown) => {
    if (trustedSender(event, opts) && typeof url === 'string') openExternally(url, opts.logger)
  }
  ipcMain.on(IPC.controlToken, onToken)
  ipcMain.on(IPC.openExternal, onOpenExternal)
  return () => {
    ipcMain.off(IPC.controlToken, onToken)
    ipcMain.off(IPC.openExternal, onOpenExternal)
  }
}

/**
 * The sender must be the app's window and its main frame. The preload asks while the
 * page is still loading, when the frame's URL may not be known yet; navigation away from
 * the control origin is blocked (web-security.ts), and a URL that is known must match.
 */
export function trustedSender(
  event: Pick<IpcMainEvent, 'sender' | 'senderFrame'>,
  opts: Pick<IpcOptions, 'controlOrigin' | 'isAppContents'>,
): boolean {
  if (!opts.isAppContents(event.sender)) return false
  const frame = event.senderFrame
  if (!frame || frame.parent !== null) return false
  return frame.url === '' || originOf(frame.url) === opts.controlOrigin()
}
