// Tray actions that talk to the desktop itself: the clipboard and the log file.
import { shell, type Clipboard } from 'electron'
import type { Logger } from '../gateway/util/logger.js'

/**
 * Copies the URL. On Wayland a write needs a focused surface of the app, which a tray
 * click does not give: the write is then lost without an error. The clipboard is read
 * back, and when it does not hold the URL the window opens instead (the Share view has
 * the URL with its own copy button, which works because the window has focus).
 */
export function copyOrShow(
  url: string,
  opts: {
    clipboard: Pick<Clipboard, 'writeText' | 'readText'>
    openWindow: () => void
    logger: Logger
  },
): boolean {
  opts.clipboard.writeText(url)
  if (opts.clipboard.readText() === url) return true
  opts.logger.warn(
    'Copying from the tray did not reach the clipboard (Wayland?): opening the window.',
  )
  opts.openWindow()
  return false
}

/** "Show log": the file in the system's file manager. */
export function showLogFile(file: string, logger: Logger): void {
  try {
    shell.showItemInFolder(file)
  } catch (err) {
    logger.warn(`Could not show ${file}: ${(err as Error).message}`)
  }
}
