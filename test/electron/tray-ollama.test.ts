// Issue 27 "When Ollama is not running": the tray says it like every other place does
// (gateway/backends/down.ts): an amber icon, a headline, and the message with what to do,
// on the Electron fake against a real gateway whose backend refuses connections.
import { describe, expect, it } from 'vitest'
import { startFakeOllama } from '../support/fake-ollama.js'
import {
  backend,
  freePort,
  labels,
  launch,
  menuItem,
  onCleanup,
  tempDir,
  theTray,
  trayIconName,
  writeConfig,
} from './helpers.js'

describe('the tray when Ollama is not running', () => {
  it('turns amber, says "Ollama is not running" and how to start it, with nothing listening', async () => {
    const port = await freePort()
    const dir = tempDir()
    writeConfig(dir, { sharing: true, backends: [backend(`http://127.0.0.1:${port}`, 'Local')] })
    const desktop = await launch(dir)
    await desktop.running!.corral.health.checkNow()
    await desktop.refresh()

    expect(trayIconName()).toBe('tray/down.png')
    expect(labels()[0]).toBe('Corral: sharing, but Ollama is not running')
    const line = menuItem('ollama')
    expect(line.enabled).toBe(false)
    expect(line.label).toBe(
      `Ollama is not running at 127.0.0.1:${port} — start it with \`ollama serve\` or install it (https://ollama.com/download); Corral will pick it up.`,
    )
    // Right under the headline, before the sharing controls.
    expect(labels().indexOf(line.label)).toBe(1)
    const url = `http://127.0.0.1:${desktop.running!.gatewayPort()}`
    expect(theTray().tooltip).toBe(`Corral: sharing on ${url}, but Ollama is not running`)
  })

  it('turns amber with "no Ollama to share" when no backend is enabled', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true, backends: [] })
    const desktop = await launch(dir)
    await desktop.refresh()
    expect(trayIconName()).toBe('tray/down.png')
    expect(labels()[0]).toBe('Corral: sharing, but no Ollama to share')
    expect(menuItem('ollama').label).toBe('No Ollama to share: add a backend (Backends).')
  })

  it('goes back to the sharing icon, without the line, once Ollama answers', async () => {
    const port = await freePort()
    const dir = tempDir()
    writeConfig(dir, { sharing: true, backends: [backend(`http://127.0.0.1:${port}`, 'Local')] })
    const desktop = await launch(dir)
    await desktop.running!.corral.health.checkNow()
    await desktop.refresh()
    expect(trayIconName()).toBe('tray/down.png')

    const fake = await startFakeOllama({ port })
    onCleanup(() => fake.close())
    await desktop.running!.corral.health.checkNow()
    await desktop.refresh()
    expect(trayIconName()).toBe('tray/sharing.png')
    expect(labels()[0]).toBe('Corral: sharing on the LAN')
    expect(labels().some((l) => l.startsWith('Ollama is not running'))).toBe(false)
  })

  it('still says what is wrong with Ollama when not sharing, with the "off" icon', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false, backends: [] })
    await launch(dir)
    expect(trayIconName()).toBe('tray/off.png')
    expect(labels()[0]).toBe('Corral: not sharing')
    expect(menuItem('ollama').label).toBe('No Ollama to share: add a backend (Backends).')
  })
})
