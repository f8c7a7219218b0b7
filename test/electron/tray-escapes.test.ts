// Issue 25, terminal escape injection, in the tray and notifications: names from outside (a
// backend's name, a network's label, a key's devices) are shown with control and bidi
// characters escaped by the gateway's escapeForTerminal, never raw.
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { Notification } from '../mocks/electron.js'
import { setupNetworkNotice, setupNotifications } from '../../electron/notifications.js'
import { setupDeviceNotifications } from '../../electron/device-notifications.js'
import type { PendingDevice } from '../../gateway/device-keys/pending.js'
import { trayMenuTemplate, type TrayActions } from '../../electron/tray-menu.js'
import type { AppStatus } from '../../electron/status.js'
import type { CorralEvents } from '../../gateway/core.js'
import type { NetworkState } from '../../gateway/network/binding.js'
import { defaultConfig } from '../../gateway/config/load.js'

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/
const HOSTILE = 'Studio\u001b[2J\u009b31m\u202egnp.exe'
const SHOWN = 'Studio\\x1b[2J\\x9b31m\\u202egnp.exe'

const noop = () => {}
const actions: TrayActions = {
  setSharing: noop,
  copyUrl: noop,
  addDevice: noop,
  addGuest: noop,
  openWindow: noop,
  setStartAtLogin: noop,
  shareHere: noop,
  setPauseEveryone: noop,
  openKeys: noop,
  quit: noop,
}

describe('the tray menu', () => {
  it('shows who, down backends, errors and the paused network with escapes visible', () => {
    const status: AppStatus = {
      state: 'down',
      running: true,
      sharing: true,
      urls: ['http://192.168.1.5:11435'],
      inFlight: 1,
      activeKeys: 1,
      backendsDown: [HOSTILE],
      vulnerable: [],
      exposureWarning: null,
      ollama: { state: 'up', message: null },
      error: `backend ${HOSTILE} failed`,
      startAtLogin: false,
      pausedReason: `${HOSTILE} is a new network`,
      devicesAsking: [HOSTILE],
      who: [`alice: ${HOSTILE}`],
      everyonePaused: null,
    }
    const labels = trayMenuTemplate(status, actions).map((i) => i.label ?? '')
    for (const label of labels) expect(label).not.toMatch(RAW_UNSAFE)
    expect(labels).toContain(`Backend down: ${SHOWN}`)
    expect(labels).toContain(`alice: ${SHOWN}`)
    expect(labels).toContain(`${SHOWN} is a new network`)
    expect(labels).toContain(`backend ${SHOWN} failed`)
    expect(labels).toContain(`${SHOWN} asks to use your GPU…`)
  })
})

describe('notifications', () => {
  it('show a backend name and its error with escapes visible', () => {
    Notification.shown = []
    const events = new EventEmitter<CorralEvents>()
    const config = defaultConfig()
    const stop = setupNotifications({ events, config: () => config, onClick: noop })
    events.emit('backend-health', {
      id: 'a',
      name: HOSTILE,
      from: 'up',
      to: 'down',
      error: HOSTILE,
    })
    stop()
    expect(Notification.shown).toHaveLength(1)
    expect(Notification.shown[0]!.title).toBe(`Backend down: ${SHOWN}`)
    expect(Notification.shown[0]!.body).toBe(`It stopped answering: ${SHOWN}`)
  })

  it('show a device label (from a signed request) with escapes visible', () => {
    Notification.shown = []
    const events = new EventEmitter<CorralEvents>()
    const config = defaultConfig()
    const stop = setupDeviceNotifications({ events, config: () => config, onClick: noop })
    events.emit('device-asked', { device: {} as PendingDevice, label: HOSTILE })
    stop()
    expect(Notification.shown).toHaveLength(1)
    expect(Notification.shown[0]!.title).toBe(`${SHOWN} asks to use your GPU`)
  })

  it('show a network label with escapes visible', () => {
    Notification.shown = []
    const network = new EventEmitter<{ change: [NetworkState] }>()
    const stop = setupNetworkNotice({ network, shareHere: noop })
    network.emit('change', {
      paused: true,
      current: { label: HOSTILE },
    } as unknown as NetworkState)
    stop()
    expect(Notification.shown).toHaveLength(1)
    expect(Notification.shown[0]!.body).not.toMatch(RAW_UNSAFE)
    expect(Notification.shown[0]!.body).toContain(SHOWN)
  })
})
