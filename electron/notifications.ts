// Desktop notifications, each kind behind its setting: a key used from a new device,
// and a backend that was up going down. A click opens the window. Each is held until it
// closes (kept-notifications.ts), or its click would be lost once it is collected.
import { Notification } from 'electron'
import { showKept } from './kept-notifications.js'
import { NO_TRAY_BODY, NO_TRAY_TITLE } from './tray-host.js'
import { escapeForTerminal } from '../gateway/untrusted/escape.js'

type NewDevice = { keyName: string; ip: string }
type BackendHealth = { name: string; from: string; to: string; error: string | null }

/** What the gateway's live feed says (gateway-link.ts), as it comes: any emitter of these. */
export interface NoticeEvents {
  on(event: 'new-device', fn: (e: NewDevice) => void): unknown
  on(event: 'backend-health', fn: (e: BackendHealth) => void): unknown
  off(event: 'new-device', fn: (e: NewDevice) => void): unknown
  off(event: 'backend-health', fn: (e: BackendHealth) => void): unknown
}

/** The notification settings (`notifications` in config.json, GET /control/settings). */
export interface NoticeSettings {
  notifications: { newDevice: boolean; backendDown: boolean }
}

export interface NotificationOptions {
  events: NoticeEvents
  /** Read at each event, so a changed setting applies at once; null: not known, no notice. */
  config: () => NoticeSettings | null
  onClick: () => void
}

/** Returns the function that stops notifying. */
export function setupNotifications(opts: NotificationOptions): () => void {
  const notify = (title: string, body: string) => {
    if (!Notification.isSupported()) return
    // Names in the text (a key, a network, a device) may come from outside: escaped.
    showKept(
      { title: escapeForTerminal(title), body: escapeForTerminal(body) },
      { onClick: opts.onClick },
    )
  }
  const onNewDevice = (e: NewDevice) => {
    if (!opts.config()?.notifications.newDevice) return
    notify(`Key "${e.keyName}" used from a new device`, `First request from ${e.ip}.`)
  }
  // A backend found down at startup (never up) shows in the tray, not as a notification.
  const onHealth = (e: BackendHealth) => {
    if (e.to !== 'down' || e.from !== 'up' || !opts.config()?.notifications.backendDown) return
    notify(`Backend down: ${e.name}`, `It stopped answering${e.error ? `: ${e.error}` : '.'}`)
  }
  opts.events.on('new-device', onNewDevice)
  opts.events.on('backend-health', onHealth)
  return () => {
    opts.events.off('new-device', onNewDevice)
    opts.events.off('backend-health', onHealth)
  }
}

/** What the notice needs of the network state (GET /control/network, or in the status). */
export interface NetworkNotice {
  paused: boolean
  current: { label: string } | null
}

/**
 * Sharing paused on a network the owner has not shared on: ask whether to share here too.
 * The button (macOS) or a click on the notification (elsewhere) says yes.
 */
export function setupNetworkNotice(opts: {
  network: {
    on(event: 'change', fn: (s: NetworkNotice) => void): unknown
    off(event: 'change', fn: (s: NetworkNotice) => void): unknown
  }
  shareHere: () => void
}): () => void {
  let shownFor: string | null = null
  const onChange = (state: NetworkNotice) => {
    if (!state.paused || !state.current) {
      shownFor = null
      return
    }
    const label = state.current.label
    if (shownFor === label || !Notification.isSupported()) return
    shownFor = label
    // The button shows only in a signed macOS app with the alert style (Info.plist
    // NSUserNotificationAlertStyle, build/electron-builder.yml; electron
    // docs/api/structures/notification-action.md) and on Windows; so a click on the body
    // does the same everywhere.
    showKept(
      {
        title: 'Sharing paused on a new network',
        body: escapeForTerminal(
          `${label} is not a network you have shared on. Click to share on this network too.`,
        ),
        actions: [{ type: 'button', text: 'Share on this network' }],
      },
      { onClick: () => opts.shareHere(), onAction: () => opts.shareHere() },
    )
  }
  opts.network.on('change', onChange)
  return () => opts.network.off('change', onChange)
}

/** No tray host (tray-host.ts): say so, since the window is all the user sees of Corral. */
export function noTrayNotice(): void {
  if (Notification.isSupported()) showKept({ title: NO_TRAY_TITLE, body: NO_TRAY_BODY }, {})
}
