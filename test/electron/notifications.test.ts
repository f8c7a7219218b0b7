// Notifications, each behind its setting: a key used from a new device; a backend that
// was up going down. Through a real gateway and a real Ollama stand-in.
import { EventEmitter } from 'node:events'
import { describe, expect, it, vi } from 'vitest'
import { BrowserWindow, Notification } from '../mocks/electron.js'
import { setupNotifications } from '../../electron/notifications.js'
import { defaultConfig } from '../../gateway/config/load.js'
import type { CorralEvents } from '../../gateway/core.js'
import { startFakeOllama, type FakeOllama } from '../support/fake-ollama.js'
import {
  backend,
  createTestKey,
  launch,
  onCleanup,
  tempDir,
  type TestDesktop,
  trayIconName,
  writeConfig,
} from './helpers.js'

async function withBackend(notifications: { newDevice: boolean; backendDown: boolean }) {
  const fake = await startFakeOllama()
  onCleanup(() => fake.close())
  const dir = tempDir()
  writeConfig(dir, {
    sharing: true,
    backends: [backend(fake.url, 'Studio')],
    extra: { notifications },
  })
  const desktop = await launch(dir)
  await desktop.running!.corral.health.checkNow()
  return { desktop, fake }
}

async function generate(port: number, key: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/api/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
  })
  await res.arrayBuffer()
  return res.status
}

/** Kills the backend and waits until health checks call it down (a first failure may be retried). */
async function killBackend(desktop: TestDesktop, fake: FakeOllama): Promise<void> {
  await fake.kill()
  const corral = desktop.running!.corral
  await vi.waitFor(async () => {
    await corral.health.checkNow()
    expect(corral.pool.list()[0]!.state).toBe('down')
  })
}

describe('notifications', () => {
  it('tell when a key is used from a new device, once per device', async () => {
    const { desktop } = await withBackend({ newDevice: true, backendDown: true })
    const key = await createTestKey(desktop, 'bob')
    const port = desktop.running!.gatewayPort()!
    expect(await generate(port, key)).toBe(200)
    await vi.waitFor(() => expect(Notification.shown).toHaveLength(1))
    expect(Notification.shown[0]).toMatchObject({
      title: 'Key "bob" used from a new device',
      body: 'First request from 127.0.0.1.',
    })
    expect(await generate(port, key)).toBe(200)
    expect(Notification.shown).toHaveLength(1)
  })

  it('tell when a backend goes down, and the tray shows it at once', async () => {
    const { desktop, fake } = await withBackend({ newDevice: true, backendDown: true })
    await killBackend(desktop, fake)
    // The live feed's `event: backend` redraws the tray and notifies, not the next read.
    await vi.waitFor(() => expect(trayIconName()).toBe('tray/down.png'))
    await vi.waitFor(() => expect(Notification.shown).toHaveLength(1))
    expect(Notification.shown.map((n) => n.title)).toEqual(['Backend down: Studio'])
  })

  it('stay quiet when their settings are off', async () => {
    const { desktop, fake } = await withBackend({ newDevice: false, backendDown: false })
    const key = await createTestKey(desktop)
    expect(await generate(desktop.running!.gatewayPort()!, key)).toBe(200)
    await killBackend(desktop, fake)
    await desktop.refresh()
    expect(desktop.status().backendsDown).toEqual(['Studio'])
    expect(Notification.shown).toHaveLength(0)
  })

  it('open the window when clicked', async () => {
    const { desktop, fake } = await withBackend({ newDevice: true, backendDown: true })
    await killBackend(desktop, fake)
    await vi.waitFor(() => expect(Notification.shown).toHaveLength(1))
    Notification.shown[0]!.emit('click')
    expect(BrowserWindow.getAllWindows()).toHaveLength(1)
  })

  it('do not tell about a backend that was never up (found down at startup)', () => {
    const events = new EventEmitter<CorralEvents>()
    const config = defaultConfig()
    const stop = setupNotifications({ events, config: () => config, onClick: () => {} })
    events.emit('backend-health', { id: 'a', name: 'A', from: 'unknown', to: 'down', error: null })
    expect(Notification.shown).toHaveLength(0)
    events.emit('backend-health', { id: 'a', name: 'A', from: 'up', to: 'down', error: null })
    expect(Notification.shown.map((n) => n.body)).toEqual(['It stopped answering.'])
    stop()
    events.emit('backend-health', { id: 'a', name: 'A', from: 'up', to: 'down', error: null })
    expect(Notification.shown).toHaveLength(1)
  })

  it('follow a setting changed while running', () => {
    const events = new EventEmitter<CorralEvents>()
    let config = defaultConfig()
    setupNotifications({ events, config: () => config, onClick: () => {} })
    config = { ...config, notifications: { ...config.notifications, newDevice: false } }
    events.emit('new-device', { keyId: 'k', keyName: 'alice', ip: '192.168.1.9' })
    expect(Notification.shown).toHaveLength(0)
  })
})
