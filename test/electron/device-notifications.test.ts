// The notification for a device that asks on first use: its label in the title, behind the
// "new device" setting, a click opens the Keys view.
import { EventEmitter } from 'node:events'
import { beforeEach, describe, expect, it } from 'vitest'
import { Notification, resetElectronFake } from '../mocks/electron.js'
import { setupDeviceNotifications } from '../../electron/device-notifications.js'
import { defaultConfig } from '../../gateway/config/load.js'
import type { CorralEvents } from '../../gateway/core.js'
import { PendingDevices, labelOf } from '../../gateway/device-keys/pending.js'

function asked() {
  const { device } = new PendingDevices().note(
    {
      publicKey: 'ssh-ed25519 AAAA',
      fingerprint: 'SHA256:x',
      userAgent: 'ollama/0.13.1 (amd64 linux) Go/go1.24.1',
      address: '192.168.1.23',
    },
    0,
  )
  return { device, label: labelOf(device) }
}

describe('device notifications', () => {
  beforeEach(() => resetElectronFake())

  it('say which device asks, and a click opens the Keys view', () => {
    const events = new EventEmitter<CorralEvents>()
    let opened = 0
    const stop = setupDeviceNotifications({
      events,
      config: () => defaultConfig(),
      onClick: () => (opened += 1),
    })
    events.emit('device-asked', asked())
    expect(Notification.shown.map((n) => n.title)).toEqual([
      'ollama 0.13.1 (amd64 linux) on 192.168.1.23 asks to use your GPU',
    ])
    Notification.shown[0]!.emit('click')
    expect(opened).toBe(1)
    stop()
    events.emit('device-asked', asked())
    expect(Notification.shown).toHaveLength(1)
  })

  it('stay quiet when new-device notifications are off', () => {
    const events = new EventEmitter<CorralEvents>()
    const config = defaultConfig()
    config.notifications.newDevice = false
    setupDeviceNotifications({ events, config: () => config, onClick: () => {} })
    events.emit('device-asked', asked())
    expect(Notification.shown).toHaveLength(0)
  })
})
