// Issue 26: an `ollama` CLI nobody enrolled signs a request, and the owner is asked in the
// tray and in a notification; both open the Keys view. On the Electron fake, against a real
// gateway and the Go-client signer (test/support/ollama-cli.ts).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { Notification } from '../mocks/electron.js'
import { startFakeOllama } from '../support/fake-ollama.js'
import { OllamaGoClient, makeDeviceKey, writeOllamaKeyFiles } from '../support/ollama-cli.js'
import { keptCount } from '../../electron/kept-notifications.js'
import { trayMenuTemplate, type TrayActions } from '../../electron/tray-menu.js'
import type { AppStatus } from '../../electron/status.js'
import { backend, labels, launch, menuItem, onCleanup, tempDir, writeConfig } from './helpers.js'

/** An `ollama` CLI with its own key file, signing (OLLAMA_AUTH=1) against `url`. */
function ollamaCli(url: string, version: string): OllamaGoClient {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-tray-dev-'))
  onCleanup(() => fs.rmSync(home, { recursive: true, force: true }))
  writeOllamaKeyFiles(home, makeDeviceKey())
  const cli = new OllamaGoClient({ host: url, auth: true, home, version })
  onCleanup(() => cli.close())
  return cli
}

async function desktopWithOllama() {
  const fake = await startFakeOllama()
  onCleanup(() => fake.close())
  const dir = tempDir()
  writeConfig(dir, { sharing: true, backends: [backend(fake.url)] })
  const desktop = await launch(dir)
  const url = `http://127.0.0.1:${desktop.running!.gatewayPort()}`
  return { desktop, url }
}

describe('a device that asks to use the GPU', () => {
  it('is shown in the tray, named, and the line opens the Keys view', async () => {
    const { desktop, url } = await desktopWithOllama()
    expect(labels().some((l) => l.includes('asks to use your GPU'))).toBe(false)

    await expect(ollamaCli(url, '0.13.1').list()).rejects.toThrow()
    expect(desktop.running!.corral.pendingDevices.list()).toHaveLength(1)
    // The live feed's `event: device` redraws the tray, not the next read.
    await vi.waitFor(() => expect(labels().some((l) => l.includes('asks to use'))).toBe(true))
    const item = menuItem('devices-asking')
    expect(item.label).toBe('ollama 0.13.1 (amd64 linux) on 127.0.0.1 asks to use your GPU…')
    expect(item.enabled).not.toBe(false)

    let opened: string | undefined
    desktop.window!.show = (route) => void (opened = route)
    item.click()
    expect(opened).toBe('keys')
  })

  it('counts several devices in one line', async () => {
    const { desktop, url } = await desktopWithOllama()
    await expect(ollamaCli(url, '0.13.1').list()).rejects.toThrow()
    await expect(ollamaCli(url, '0.14.0').list()).rejects.toThrow()
    await desktop.refresh()
    expect(menuItem('devices-asking').label).toBe('2 devices ask to use your GPU…')
  })

  it('gets a notification, kept referenced, whose click opens the Keys view', async () => {
    const { desktop, url } = await desktopWithOllama()
    const before = keptCount()
    const cli = ollamaCli(url, '0.13.1')
    await expect(cli.list()).rejects.toThrow()
    const isAsked = (n: { title: string }) => n.title.endsWith('asks to use your GPU')
    await vi.waitFor(() => expect(Notification.shown.filter(isAsked)).not.toHaveLength(0))
    const asked = Notification.shown.filter(isAsked)
    expect(asked.map((n) => n.title)).toEqual([
      'ollama 0.13.1 (amd64 linux) on 127.0.0.1 asks to use your GPU',
    ])
    expect(keptCount()).toBe(before + 1)

    let opened: string | undefined
    desktop.window!.show = (route) => void (opened = route)
    asked[0]!.emit('click')
    expect(opened).toBe('keys')
    expect(keptCount()).toBe(before)

    // Asked once: the same device trying again adds no notification; another device does.
    const titles = () => Notification.shown.filter((n) => n.title.endsWith('asks to use your GPU'))
    await expect(cli.list()).rejects.toThrow()
    expect(titles()).toHaveLength(1)
    await expect(ollamaCli(url, '0.14.0').list()).rejects.toThrow()
    await vi.waitFor(() => expect(titles()).toHaveLength(2))
  })
})

describe('the tray line for devices', () => {
  it('shows a label from the request with control and bidi characters escaped', () => {
    const status = { devicesAsking: ['bob\u001b[2J\u202eexe on 10.0.0.2'] } as Partial<AppStatus>
    const actions = new Proxy({}, { get: () => () => {} }) as TrayActions
    const items = trayMenuTemplate(
      {
        state: 'sharing',
        running: true,
        sharing: true,
        urls: [],
        inFlight: 0,
        activeKeys: 0,
        ollama: { state: 'up', message: null },
        backendsDown: [],
        vulnerable: [],
        exposureWarning: null,
        error: null,
        startAtLogin: false,
        pausedReason: null,
        who: [],
        everyonePaused: null,
        devicesAsking: status.devicesAsking!,
      },
      actions,
    )
    const line = items.find((i) => i.id === 'devices-asking')!
    expect(line.label).toBe('bob\\x1b[2J\\u202eexe on 10.0.0.2 asks to use your GPU…')
  })
})
