// Issue 28: notifications must be held until they close. Electron does not keep a shown
// notification alive; the fake's `collectGarbage()` runs V8's collector, so a notification
// the app dropped loses its handlers as it does in Electron (electron/electron#12690).
import { EventEmitter } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { collectGarbage, Notification, resetElectronFake } from '../mocks/electron.js'
import { setupNetworkNotice, setupNotifications } from '../../electron/notifications.js'
import { keptCount, releaseAll } from '../../electron/kept-notifications.js'
import { defaultConfig } from '../../gateway/config/load.js'
import type { CorralEvents } from '../../gateway/core.js'
import type { NetworkState } from '../../gateway/network/binding.js'

afterEach(() => {
  releaseAll()
  resetElectronFake()
})

const CAFE = {
  label: '172.16.4.0/22 via 172.16.4.1',
} as unknown as NonNullable<NetworkState['current']>

function pausedOn(current: NetworkState['current']): NetworkState {
  return { bound: true, current, known: false, paused: true, reason: 'new network', remembered: [] }
}

/** The "sharing paused" notice, shown and then left to the garbage collector. */
async function noticeAfterGc(): Promise<{ shared: () => number }> {
  const network = new EventEmitter<{ change: [NetworkState] }>()
  let shared = 0
  setupNetworkNotice({ network, shareHere: () => shared++ })
  network.emit('change', pausedOn(CAFE))
  expect(Notification.shown).toHaveLength(1)
  await collectGarbage()
  return { shared: () => shared }
}

describe('notifications stay alive until closed', () => {
  it('the "Share on this network" button still works after a garbage collection', async () => {
    const { shared } = await noticeAfterGc()
    expect(Notification.shown[0]!.deref()).toBeDefined()
    Notification.shown[0]!.emit('action', {}, 0)
    expect(shared()).toBe(1)
  })

  it('a click on the body does what the button does (no button without the alert style)', async () => {
    const { shared } = await noticeAfterGc()
    Notification.shown[0]!.emit('click')
    expect(shared()).toBe(1)
  })

  it('a "new device" notification opens the window when clicked after a collection', async () => {
    const events = new EventEmitter<CorralEvents>()
    const config = defaultConfig()
    let opened = 0
    setupNotifications({ events, config: () => config, onClick: () => opened++ })
    events.emit('new-device', { keyId: 'k', keyName: 'alice', ip: '192.168.1.9' })
    await collectGarbage()
    Notification.shown[0]!.emit('click')
    expect(opened).toBe(1)
  })

  it('is let go once closed or answered, and then the collector may take it', async () => {
    const events = new EventEmitter<CorralEvents>()
    const config = defaultConfig()
    setupNotifications({ events, config: () => config, onClick: () => {} })
    events.emit('new-device', { keyId: 'k', keyName: 'alice', ip: '192.168.1.9' })
    events.emit('new-device', { keyId: 'k', keyName: 'bob', ip: '192.168.1.10' })
    expect(keptCount()).toBe(2)
    Notification.shown[0]!.emit('close', {})
    Notification.shown[1]!.emit('click')
    expect(keptCount()).toBe(0)
    await collectGarbage()
    expect(Notification.shown.map((n) => n.deref())).toEqual([undefined, undefined])
  })
})
