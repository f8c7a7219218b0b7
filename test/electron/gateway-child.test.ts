// Issue 28, end to end: the desktop app with its gateway in a real child process (Node's
// child_process through gateway/child/fork-node.ts, as Electron's utilityProcess would run
// it), reached only through the control API. The tray toggles sharing, shows the status,
// survives the child being killed, and quitting stops the child and removes control.json.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { BrowserWindow } from '../mocks/electron.js'
import { startDesktop, type Desktop } from '../../electron/desktop.js'
import { setupGatewayHost } from '../../electron/gateway-host.js'
import { GATEWAY_RESTARTING } from '../../electron/gateway-link.js'
import { appFiles } from '../../electron/paths.js'
import { forkNodeChild } from '../../gateway/child/fork-node.js'
import type { GatewaySupervisor } from '../../gateway/child/supervisor.js'
import { silentLogger } from '../../gateway/util/logger.js'
import { startFakeOllama } from '../support/fake-ollama.js'
import {
  backend,
  labels,
  menuItem,
  onCleanup,
  tempDir,
  testDesktopOptions,
  trayIconName,
  tryConnect,
  writeConfig,
} from './helpers.js'

/** The app with its gateway in a Node child running dist/gateway/child/main.js. */
async function launchWithChild(dir: string, showWindow = false) {
  const files = appFiles(path.join(process.cwd(), 'electron'))
  const host = setupGatewayHost({
    dataDir: dir,
    files,
    logger: silentLogger,
    fork: (entry, args) => forkNodeChild([...args, '--no-watch'], { entry, silent: true }),
  })
  const desktop = await startDesktop(testDesktopOptions(dir, { host, files, showWindow }))
  onCleanup(async () => {
    await desktop.quit()
  })
  return { desktop, host }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function lanPort(desktop: Desktop): number {
  return Number(new URL(desktop.status().urls[0]!).port)
}

describe('the desktop app with its gateway in a child process', () => {
  it('drives the gateway through the control API: status, sharing off and on, quit', async () => {
    const fake = await startFakeOllama()
    onCleanup(() => fake.close())
    const dir = tempDir()
    writeConfig(dir, { sharing: true, backends: [backend(fake.url)] })
    const { desktop, host } = await launchWithChild(dir)
    const childPid = host.pid()!
    expect(childPid).not.toBe(process.pid)
    const control = JSON.parse(fs.readFileSync(path.join(dir, 'control.json'), 'utf8'))
    expect(control).toMatchObject({ pid: childPid, url: host.current()!.controlUrl })

    await vi.waitFor(() => expect(labels()[0]).toBe('Corral: sharing on the LAN'), {
      timeout: 5000,
    })
    expect(trayIconName()).toBe('tray/sharing.png')
    const port = lanPort(desktop)
    expect(await tryConnect(port)).toBe('connected')

    menuItem('sharing').click()
    await vi.waitFor(() => expect(trayIconName()).toBe('tray/off.png'))
    expect(menuItem('sharing').checked).toBe(false)
    expect(await tryConnect(port)).toBe('ECONNREFUSED')

    menuItem('sharing').click()
    await vi.waitFor(() => expect(trayIconName()).toBe('tray/sharing.png'))
    expect(await tryConnect(lanPort(desktop))).toBe('connected')

    const controlPort = Number(new URL(host.current()!.controlUrl).port)
    await desktop.quit()
    expect(pidAlive(childPid)).toBe(false)
    expect(fs.existsSync(path.join(dir, 'control.json'))).toBe(false)
    expect(await tryConnect(controlPort)).toBe('ECONNREFUSED')
  })

  it('shows a crashed gateway in the tray, and recovers: new port, new token, page reloaded', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const { desktop, host } = await launchWithChild(dir, true)
    const first = host.current()!
    const win = BrowserWindow.getAllWindows()[0]!
    expect(win.webContents.getURL()).toBe(`${first.controlUrl}/`)
    expect(labels()[0]).toBe('Corral: not sharing')

    process.kill(host.pid()!, 'SIGKILL')
    await vi.waitFor(() => expect(labels()).toContain(GATEWAY_RESTARTING))
    expect(trayIconName()).toBe('tray/error.png')
    expect(menuItem('sharing').enabled).toBe(false)

    await vi.waitFor(() => expect(labels()[0]).toBe('Corral: not sharing'), { timeout: 10_000 })
    const second = host.current()!
    expect((host as GatewaySupervisor).restarts).toBe(1)
    expect(second.token).not.toBe(first.token)
    expect(second.controlUrl).not.toBe(first.controlUrl)
    expect(win.webContents.getURL()).toBe(`${second.controlUrl}/`)
    // The tray's actions reach the new gateway.
    await desktop.setSharing(true)
    expect(desktop.status().sharing).toBe(true)
  })
})
