// How the app starts its gateway when something is in the way: a Corral already running
// for the same data folder, or the control port taken by another program.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { startGateway } from '../../gateway/child/app-gateway.js'
import { createNoopDiscovery } from '../../gateway/discovery/mdns.js'
import { silentLogger } from '../../gateway/util/logger.js'
import { launch, occupyPort, onCleanup, tempDir, tryConnect, writeConfig } from './helpers.js'

function start(dataDir: string, extra: { controlPort?: number } = {}) {
  return startGateway({
    dataDir,
    logger: silentLogger,
    discovery: () => createNoopDiscovery(),
    watchConfig: false,
    uiDir: null,
    ...extra,
  })
}

describe('starting the gateway', () => {
  it('refuses to start a second Corral on a data folder that one already serves', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const first = await launch(dir)
    const control = fs.readFileSync(path.join(dir, 'control.json'), 'utf8')

    const second = await start(dir)
    expect(second.running).toBeNull()
    expect(second.error).toBe(
      `Corral is already running for this data folder (pid ${process.pid}). Stop it first.`,
    )
    expect(fs.readFileSync(path.join(dir, 'control.json'), 'utf8')).toBe(control)
    expect(await tryConnect(Number(new URL(first.running!.controlUrl).port))).toBe('connected')
  })

  it('moves the control listener to a free port when its port is taken, and keeps sharing', async () => {
    const taken = await occupyPort()
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    const { running, error } = await start(dir, { controlPort: taken })
    onCleanup(() => running?.close())
    expect(error).toBeNull()
    expect(running!.controlUrl).not.toBe(`http://127.0.0.1:${taken}`)
    expect(running!.sharing.isOn()).toBe(true)
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'control.json'), 'utf8')) as {
      url: string
    }
    expect(info.url).toBe(running!.controlUrl)
  })
})
