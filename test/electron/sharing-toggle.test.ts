// "Share on LAN" starts and stops the LAN listener (real sockets) and leaves the
// control listener alone; the choice is saved for the next launch.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { resetElectronFake } from '../mocks/electron.js'
import { startFakeOllama } from '../support/fake-ollama.js'
import {
  backend,
  launch,
  menuItem,
  onCleanup,
  tempDir,
  trayIconName,
  tryConnect,
  writeConfig,
} from './helpers.js'

async function controlAnswers(controlUrl: string, token: string): Promise<number> {
  const res = await fetch(`${controlUrl}/control/status`, {
    headers: { authorization: `Bearer ${token}` },
  })
  await res.arrayBuffer()
  return res.status
}

function savedSharing(dir: string): boolean {
  return (
    JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
      server: { sharing: boolean }
    }
  ).server.sharing
}

describe('the Share on LAN toggle', () => {
  it('stops the LAN listener: after "off", a connection to the LAN port is refused', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    const desktop = await launch(dir)
    const running = desktop.running!
    const port = running.gatewayPort()!
    expect(await tryConnect(port)).toBe('connected')

    menuItem('sharing').click()
    await vi.waitFor(() => expect(running.sharing.isOn()).toBe(false))
    await vi.waitFor(() => expect(trayIconName()).toBe('tray/off.png'))

    expect(menuItem('sharing').checked).toBe(false)
    expect(await tryConnect(port)).toBe('ECONNREFUSED')
    expect(await controlAnswers(running.controlUrl, running.token)).toBe(200)
    await vi.waitFor(() => expect(savedSharing(dir)).toBe(false))
  })

  it('starts the LAN listener again when switched back on', async () => {
    // An Ollama to share: without one the icon is amber ("no Ollama to share").
    const fake = await startFakeOllama()
    onCleanup(() => fake.close())
    const dir = tempDir()
    writeConfig(dir, { sharing: false, backends: [backend(fake.url)] })
    const desktop = await launch(dir)
    const running = desktop.running!
    expect(running.gatewayPort()).toBeNull()

    menuItem('sharing').click()
    await vi.waitFor(() => expect(running.sharing.isOn()).toBe(true))
    await vi.waitFor(() => expect(trayIconName()).toBe('tray/sharing.png'))

    expect(menuItem('sharing').checked).toBe(true)
    const port = running.gatewayPort()!
    expect(await tryConnect(port)).toBe('connected')
    const res = await fetch(`http://127.0.0.1:${port}/api/tags`)
    expect(res.status).toBe(401)
    expect(await controlAnswers(running.controlUrl, running.token)).toBe(200)
    await vi.waitFor(() => expect(savedSharing(dir)).toBe(true))
  })

  it('starts the next launch the way the last one left it', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    const first = await launch(dir)
    menuItem('sharing').click()
    await vi.waitFor(() => expect(savedSharing(dir)).toBe(false))
    await first.quit()
    resetElectronFake()

    const second = await launch(dir)
    expect(second.running!.sharing.isOn()).toBe(false)
    menuItem('sharing').click()
    await vi.waitFor(() => expect(savedSharing(dir)).toBe(true))
    await second.quit()
    resetElectronFake()

    const third = await launch(dir)
    expect(third.running!.sharing.isOn()).toBe(true)
    expect(await tryConnect(third.running!.gatewayPort()!)).toBe('connected')
  })
})
