// The system shutting down or the user logging off. Electron skips 'before-quit' then on
// Windows (electron docs/api/app.md, 'before-quit': "not emitted if the app is closed due
// to a shutdown/restart of the system or a user logout"), so the normal quit path (flush
// stats, withdraw mDNS, remove control.json) would never run:
// - Linux and macOS: powerMonitor 'shutdown'; preventDefault() asks the system to wait,
//   and app.quit() then runs the normal quit (electron docs/api/power-monitor.md).
// - Windows: a window's 'session-end' (docs/api/browser-window.md), after which nothing can
//   stop the session ending: the gateway is told to do the essentials at once (stats written
//   and closed, control.json removed, then mDNS goodbyes, bounded: gateway/child/
//   session-end.ts), then the app exits.
//   'session-end' comes only to windows, and the main window is made on first use, so
//   Windows gets a small hidden window that never loads a page, just for this event.
import { app, BrowserWindow, powerMonitor } from 'electron'
import type { Logger } from '../gateway/util/logger.js'
import { messageOf } from './gateway.js'

export interface SystemShutdownOptions {
  /** The gateway's session-end path (GatewayHost.endSession); bounded by the host. */
  endGateway: () => Promise<void>
  /**
   * Removes the gateway's control.json, here and at once: the OS ends the child with the
   * session, maybe before it gets to it, and a stale control.json misleads the CLI.
   */
  removeControlInfo?: () => void
  logger: Logger
  platform: NodeJS.Platform
}

/** Returns the function that removes the handlers. */
export function setupSystemShutdown(opts: SystemShutdownOptions): () => void {
  // Electron emits it with an Event (electron lib/browser/api/power-monitor.ts, the native
  // emitter); its .d.ts types the listener without one.
  const onShutdown = (event?: { preventDefault(): void }) => {
    opts.logger.info('The system is shutting down: quitting.')
    event?.preventDefault()
    app.quit()
  }
  powerMonitor.on('shutdown', onShutdown)
  let sentinel: BrowserWindow | null = null
  if (opts.platform === 'win32') {
    sentinel = new BrowserWindow({
      show: false,
      width: 1,
      height: 1,
      skipTaskbar: true,
      focusable: false,
      title: 'Corral (session watcher)',
    })
    sentinel.on('session-end', () => void endSession(opts))
  }
  return () => {
    powerMonitor.off('shutdown', onShutdown)
    if (sentinel && !sentinel.isDestroyed()) sentinel.destroy()
    sentinel = null
  }
}

let ending: Promise<void> | null = null

/** Windows' session is ending: what quitting would do, fastest and surest first. */
export function endSession(opts: SystemShutdownOptions): Promise<void> {
  if (ending === null) {
    // The durable part first and synchronously, inside the event: nothing after it is sure.
    try {
      opts.removeControlInfo?.()
    } catch (err) {
      opts.logger.warn(`Removing control.json at session end: ${messageOf(err)}`)
    }
    // A quit under way keeps Electron from exiting the moment this handler returns (later
    // Electrons, electron/electron#52604), so the child gets its session-end message.
    app.quit()
  }
  ending ??= (async () => {
    await opts.endGateway().catch((err: unknown) => {
      opts.logger.warn(`Stopping the gateway at session end: ${messageOf(err)}`)
    })
    opts.logger.info('The session is ending: Corral stopped.')
    app.exit(0)
  })()
  return ending
}

/** For tests: the next session end runs again. */
export function resetSessionEnd(): void {
  ending = null
}
