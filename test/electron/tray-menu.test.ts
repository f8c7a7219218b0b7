// The tray menu's items and their state in each app state, against a real gateway
// (loopback, ports 0) and a real Ollama stand-in.
import { describe, expect, it } from 'vitest'
import { clipboard } from '../mocks/electron.js'
import { startFakeOllama } from '../support/fake-ollama.js'
import { eventually } from '../support/gateway.js'
import {
  backend,
  createTestKey,
  freePort,
  labels,
  launch,
  menuItem,
  occupyPort,
  onCleanup,
  tempDir,
  theTray,
  trayIconName,
  writeConfig,
} from './helpers.js'

async function ollama(opts: Parameters<typeof startFakeOllama>[0] = {}) {
  const fake = await startFakeOllama(opts)
  onCleanup(() => fake.close())
  return fake
}

describe('the tray menu', () => {
  it('shows sharing with the LAN URL, the live line and every action when sharing and healthy', async () => {
    const fake = await ollama()
    const dir = tempDir()
    writeConfig(dir, { sharing: true, backends: [backend(fake.url)] })
    const desktop = await launch(dir)
    await desktop.running!.corral.health.checkNow()
    await desktop.refresh()

    const url = `http://127.0.0.1:${desktop.running!.gatewayPort()}`
    expect(labels()).toEqual([
      'Corral: sharing on the LAN',
      '---',
      'Share on LAN',
      url,
      'Add a device…',
      'Add a guest…',
      '---',
      '0 requests in flight · 0 keys active',
      'Pause everyone but me',
      '---',
      'Open Corral',
      'Start at login',
      '---',
      'Quit',
    ])
    expect(trayIconName()).toBe('tray/sharing.png')
    expect(menuItem('sharing')).toMatchObject({ type: 'checkbox', checked: true, enabled: true })
    expect(menuItem('url').enabled).toBe(true)
    expect(menuItem('add-device').enabled).toBe(true)
    expect(menuItem('open').enabled).toBe(true)
    expect(menuItem('start-at-login')).toMatchObject({ type: 'checkbox', checked: false })
    expect(theTray().tooltip).toBe(`Corral: sharing on ${url}`)
  })

  it('copies the LAN URL when it is clicked', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    const desktop = await launch(dir)
    menuItem('url').click()
    expect(clipboard.readText()).toBe(`http://127.0.0.1:${desktop.running!.gatewayPort()}`)
  })

  it('shows "off" with the toggle unchecked and no LAN address when not sharing', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    await launch(dir)
    expect(trayIconName()).toBe('tray/off.png')
    expect(labels()[0]).toBe('Corral: not sharing')
    expect(menuItem('sharing')).toMatchObject({ checked: false, enabled: true })
    expect(menuItem('url')).toMatchObject({
      label: 'No LAN address while not sharing',
      enabled: false,
    })
    expect(menuItem('open').enabled).toBe(true)
  })

  it('shows a backend down with its own icon and names it', async () => {
    const dir = tempDir()
    writeConfig(dir, {
      sharing: true,
      backends: [backend(`http://127.0.0.1:${await freePort()}`, 'Studio')],
    })
    const desktop = await launch(dir)
    await desktop.running!.corral.health.checkNow()
    await desktop.refresh()
    expect(trayIconName()).toBe('tray/down.png')
    // Its only backend: that is the owner's Ollama not running, said as such (issue 27).
    expect(labels()[0]).toBe('Corral: sharing, but Ollama is not running')
    expect(labels()).toContain('Backend down: Studio')
    expect(menuItem('sharing').checked).toBe(true)
  })

  it('names one backend down among several that answer, without saying Ollama is off', async () => {
    const fake = await ollama()
    const dir = tempDir()
    writeConfig(dir, {
      sharing: true,
      backends: [backend(fake.url), backend(`http://127.0.0.1:${await freePort()}`, 'Studio')],
    })
    const desktop = await launch(dir)
    await desktop.running!.corral.health.checkNow()
    await desktop.refresh()
    expect(trayIconName()).toBe('tray/down.png')
    expect(labels()[0]).toBe('Corral: sharing, a backend is down')
    expect(labels()).toContain('Backend down: Studio')
    expect(labels().some((l) => l.includes('not running'))).toBe(false)
  })

  it('counts requests in flight and active keys in the live line', async () => {
    const fake = await ollama({ firstByteDelayMs: 1500 })
    const dir = tempDir()
    writeConfig(dir, { sharing: true, backends: [backend(fake.url)] })
    const desktop = await launch(dir)
    await desktop.running!.corral.health.checkNow()
    const key = await createTestKey(desktop)
    const port = desktop.running!.gatewayPort()!
    const pending = fetch(`http://127.0.0.1:${port}/api/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
    })
    await fake.waitFor((r) => r.path === '/api/generate')
    await desktop.refresh()
    expect(menuItem('live').label).toBe('1 request in flight · 1 key active')
    expect((await pending).status).toBe(200)
    await desktop.refresh()
    expect(menuItem('live').label).toBe('0 requests in flight · 1 key active')
  })

  it('shows who is using the GPU, and "Pause everyone but me" refuses the LAN until unchecked', async () => {
    const fake = await ollama({ frames: 2000, frameIntervalMs: 20 })
    const dir = tempDir()
    writeConfig(dir, {
      sharing: true,
      backends: [backend(fake.url)],
      extra: { access: { trustedProxies: ['127.0.0.1'] } },
    })
    const desktop = await launch(dir)
    await desktop.running!.corral.health.checkNow()
    const key = await createTestKey(desktop)
    const base = `http://127.0.0.1:${desktop.running!.gatewayPort()}`
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
    const stream = new AbortController()
    const res = await fetch(`${base}/api/generate`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: 'llama3.2', prompt: 'hi' }),
      signal: stream.signal,
    })
    expect(res.status).toBe(200)
    await new Promise((r) => setTimeout(r, 300))
    await desktop.refresh()
    expect(menuItem('who-1').label).toMatch(/^alice: llama3\.2 · \d+ tok\/s$/)
    stream.abort()

    expect(menuItem('pause-everyone')).toMatchObject({ type: 'checkbox', checked: false })
    menuItem('pause-everyone').click()
    const fromLan = () =>
      fetch(`${base}/api/tags`, { headers: { ...headers, 'x-forwarded-for': '192.168.1.20' } })
    await eventually(async () => expect((await fromLan()).status).toBe(503))
    await desktop.refresh()
    expect(menuItem('pause-everyone')).toMatchObject({
      checked: true,
      label: 'Pause everyone but me (on)',
    })
    expect((await fetch(`${base}/api/tags`, { headers })).status).toBe(200) // this machine

    menuItem('pause-everyone').click()
    await eventually(async () => expect((await fromLan()).status).toBe(200))
  })

  it('shows the error and keeps the control listener when the LAN port is taken', async () => {
    const taken = await occupyPort()
    const dir = tempDir()
    writeConfig(dir, { sharing: true, port: taken })
    const desktop = await launch(dir)
    expect(desktop.running).not.toBeNull()
    expect(trayIconName()).toBe('tray/error.png')
    expect(labels()[0]).toBe('Corral: something is wrong')
    expect(labels()[1]).toMatch(/^Could not share on the LAN: .*EADDRINUSE/)
    expect(menuItem('sharing')).toMatchObject({ checked: false, enabled: true })
    expect(menuItem('open').enabled).toBe(true)
  })

  it('offers only Quit and Start at login when Corral could not start at all', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    // A data folder that is a file: the gateway cannot open it.
    const broken = `${dir}/not-a-folder`
    await import('node:fs').then((fs) => fs.writeFileSync(broken, ''))
    const desktop = await launch(broken)
    expect(desktop.running).toBeNull()
    expect(trayIconName()).toBe('tray/error.png')
    expect(labels()[1]).toMatch(/^Corral could not start: /)
    expect(menuItem('sharing')).toMatchObject({ checked: false, enabled: false })
    expect(menuItem('add-device').enabled).toBe(false)
    expect(menuItem('open').enabled).toBe(false)
    expect(menuItem('start-at-login').enabled).toBe(true)
    expect(menuItem('quit').enabled).toBe(true)
  })
})
