// The desktop app is network-bound: on a network the owner has not shared on, sharing
// pauses by itself, the tray says why, and a notification asks "Share on this network";
// saying yes remembers the network and shares again. The network probe is injected.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { Notification } from '../mocks/electron.js'
import type { NetworkInfo } from '../../gateway/network/probe.js'
import { LINK_POLL_MS } from '../../electron/gateway-link.js'
import { labels, launch, menuItem, tempDir, theTray, tryConnect, writeConfig } from './helpers.js'

/** The app reads the network state with the status, every LINK_POLL_MS: a few reads' time. */
const NEXT_READS = { timeout: 3 * LINK_POLL_MS }

const HOME: NetworkInfo = {
  iface: 'wlan0',
  family: 'IPv4',
  address: '192.168.1.20',
  subnet: '192.168.1.0/24',
  gateway: '192.168.1.1',
  gatewayMac: '',
}
const CAFE: NetworkInfo = {
  ...HOME,
  address: '172.16.5.9',
  subnet: '172.16.4.0/22',
  gateway: '172.16.4.1',
}

async function launchOn(first: NetworkInfo) {
  let here: NetworkInfo | null = first
  const dir = tempDir()
  writeConfig(dir, { sharing: true })
  const desktop = await launch(dir, {
    gateway: { networkProbe: () => here, networkIntervalMs: 20 },
  })
  const moveTo = (n: NetworkInfo | null) => void (here = n)
  return { desktop, dir, moveTo, port: desktop.running!.gatewayPort()! }
}

describe('sharing bound to the network', () => {
  it('pauses on a new network: the tray says why and offers "Share on this network"', async () => {
    const { moveTo, port } = await launchOn(HOME)
    expect(await tryConnect(port)).toBe('connected')
    expect(labels()).not.toContain('Share on this network')

    moveTo(CAFE)
    await vi.waitFor(async () => expect(await tryConnect(port)).toBe('ECONNREFUSED'))
    await vi.waitFor(
      () => expect(labels()[0]).toBe('Corral: sharing paused on this network'),
      NEXT_READS,
    )
    expect(labels()).toContain(
      'Sharing is paused: this is a network you have not shared on (172.16.4.0/22 via 172.16.4.1).',
    )
    expect(menuItem('share-here').label).toBe('Share on this network')
    expect(theTray().tooltip).toMatch(/^Corral: Sharing is paused/)
  })

  it('a notification asks once; its button shares here and remembers the network', async () => {
    const { dir, moveTo, port } = await launchOn(HOME)
    moveTo(CAFE)
    await vi.waitFor(() => expect(Notification.shown).toHaveLength(1), NEXT_READS)
    const notice = Notification.shown[0]!
    expect(notice.title).toBe('Sharing paused on a new network')
    expect(notice.body).toBe(
      '172.16.4.0/22 via 172.16.4.1 is not a network you have shared on. Click to share on this network too.',
    )
    // The probe keeps reading the same network: no second notification, read after read.
    await new Promise((r) => setTimeout(r, 2 * LINK_POLL_MS))
    expect(Notification.shown).toHaveLength(1)

    notice.emit('action', {}, 0)
    await vi.waitFor(async () => expect(await tryConnect(port)).toBe('connected'))
    await vi.waitFor(() => expect(labels()).not.toContain('Share on this network'), NEXT_READS)
    const saved = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'))
    expect(saved.network.remembered.map((r: { subnet: string }) => r.subnet)).toEqual([
      '192.168.1.0/24',
      '172.16.4.0/22',
    ])
  })

  it('the tray item does the same, and coming home needs nothing', async () => {
    const { desktop, moveTo, port } = await launchOn(HOME)
    moveTo(CAFE)
    await vi.waitFor(() => expect(labels()).toContain('Share on this network'), NEXT_READS)
    moveTo(HOME)
    await vi.waitFor(async () => expect(await tryConnect(port)).toBe('connected'))
    await desktop.refresh()
    expect(desktop.status().pausedReason).toBeNull()

    moveTo(CAFE)
    await vi.waitFor(() => expect(labels()).toContain('Share on this network'), NEXT_READS)
    menuItem('share-here').click()
    await vi.waitFor(async () => expect(await tryConnect(port)).toBe('connected'))
  })
})
