// A notification when an `ollama` CLI nobody enrolled asks to use the GPU (gateway/device-keys/):
// "ollama 0.13.1 (amd64 linux) on 192.168.1.23 asks to use your GPU". A click opens the Keys
// view, where the owner allows or denies it. Behind the "new device" notification setting.
// desktop.ts wires it next to setupNotifications; the tray has a line for the same devices.
// The notification is kept referenced until answered (kept-notifications.ts), so its click
// still works after a garbage collection; the label comes from the request, so it is escaped.
import { Notification } from 'electron'
import { showKept } from './kept-notifications.js'
import { escapeForTerminal } from '../gateway/untrusted/escape.js'
import type { NoticeSettings } from './notifications.js'

type DeviceAsked = { label: string }

export function setupDeviceNotifications(opts: {
  /** The live feed's `event: device` (gateway-link.ts). */
  events: {
    on(event: 'device-asked', fn: (e: DeviceAsked) => void): unknown
    off(event: 'device-asked', fn: (e: DeviceAsked) => void): unknown
  }
  /** Null while not known: no notice. */
  config: () => NoticeSettings | null
  /** Open the window at the Keys view. */
  onClick: () => void
}): () => void {
  const onAsked = (e: DeviceAsked) => {
    if (!opts.config()?.notifications.newDevice || !Notification.isSupported()) return
    showKept(
      {
        title: `${escapeForTerminal(e.label)} asks to use your GPU`,
        body: 'Allow it as a new key or an existing one, or deny it, in Keys.',
      },
      { onClick: opts.onClick },
    )
  }
  opts.events.on('device-asked', onAsked)
  return () => opts.events.off('device-asked', onAsked)
}
