// A notification when an `ollama` CLI nobody enrolled asks to use the GPU (gateway/device-keys/):
// "ollama 0.13.1 (amd64 linux) on 192.168.1.23 asks to use your GPU". A click opens the Keys
// view, where the owner allows or denies it. Behind the "new device" notification setting.
// Not wired yet: desktop.ts calls setupDeviceNotifications({ events: corral.events, config,
// onClick: () => show the window at #keys }) next to setupNotifications.
import type { EventEmitter } from 'node:events'
import { Notification } from 'electron'
import type { CorralEvents } from '../gateway/core.js'
import type { Config } from '../gateway/config/schema.js'

type DeviceAsked = CorralEvents['device-asked'][0]

export function setupDeviceNotifications(opts: {
  events: Pick<EventEmitter<CorralEvents>, 'on' | 'off'>
  config: () => Config
  /** Open the window at the Keys view. */
  onClick: () => void
}): () => void {
  const onAsked = (e: DeviceAsked) => {
    if (!opts.config().notifications.newDevice || !Notification.isSupported()) return
    const n = new Notification({
      title: `${e.label} asks to use your GPU`,
      body: 'Allow it as a new key or an existing one, or deny it, in Keys.',
    })
    n.on('click', opts.onClick)
    n.show()
  }
  opts.events.on('device-asked', onAsked)
  return () => opts.events.off('device-asked', onAsked)
}
