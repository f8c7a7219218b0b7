// Issue 28: the gateway off the UI thread. The app's main process starts the gateway as a
// utilityProcess (here the fake's: a real Node child running dist/gateway/child/main.js),
// reaches it through the control API with the URL and token it reports, and a crash of
// the gateway restarts it while the main process (the tray) carries on.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { UtilityProcess } from '../mocks/electron.js'
import { setupGatewayHost, GATEWAY_SERVICE_NAME } from '../../electron/gateway-host.js'
import { appFiles } from '../../electron/paths.js'
import { silentLogger } from '../../gateway/util/logger.js'
import { osDataDir } from '../../gateway/config/paths.js'
import type { GatewayReady } from '../../gateway/child/supervisor.js'
import { PassThrough } from 'node:stream'
import { createAppLog } from '../../electron/app-log.js'
import { occupyPort, onCleanup, tempDir, writeConfig } from './helpers.js'

async function status(ready: GatewayReady): Promise<number> {
  const res = await fetch(`${ready.controlUrl}/control/status`, {
    headers: { authorization: `Bearer ${ready.token}` },
  })
  await res.arrayBuffer()
  return res.status
}

function host(dir: string) {
  const files = appFiles(path.join(process.cwd(), 'electron'))
  const supervisor = setupGatewayHost({ dataDir: dir, files, logger: silentLogger })
  onCleanup(() => supervisor.stop())
  return supervisor
}

describe('the gateway in a utility process', () => {
  it('starts dist/gateway/child/main.js and answers the control API with the token it reports', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    const supervisor = host(dir)
    const ready = await supervisor.start()
    expect(UtilityProcess.forked[0]).toMatchObject({
      modulePath: path.join(process.cwd(), 'dist', 'gateway', 'child', 'main.js'),
      args: ['--data-dir', dir, '--ui-dir', path.join(process.cwd(), 'dist', 'renderer')],
      options: { serviceName: GATEWAY_SERVICE_NAME },
    })
    expect(supervisor.pid()).not.toBe(process.pid)
    expect(await status(ready)).toBe(200)
    const control = JSON.parse(fs.readFileSync(path.join(dir, 'control.json'), 'utf8'))
    expect(control).toMatchObject({ url: ready.controlUrl, token: ready.token })
    expect(ready.gatewayPort).toBeGreaterThan(0)
  })

  it('restarts the gateway after a crash, and the new one answers', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const supervisor = host(dir)
    const first = await supervisor.start()
    const restarted = new Promise<GatewayReady>((resolve) => supervisor.once('ready', resolve))
    process.kill(supervisor.pid()!, 'SIGKILL')
    const second = await restarted
    expect(supervisor.restarts).toBe(1)
    expect(second.token).not.toBe(first.token)
    expect(await status(second)).toBe(200)
  })

  it('stops cleanly on quit: the child exits and control.json is removed', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: true })
    const supervisor = host(dir)
    const ready = await supervisor.start()
    const pid = supervisor.pid()!
    // Not the OS default folder (test/setup.ts makes that a temp one): the app says where
    // it runs for a `corral` command that looks there (issue 28).
    const pointer = path.join(osDataDir(), 'elsewhere.json')
    expect(JSON.parse(fs.readFileSync(pointer, 'utf8'))).toMatchObject({
      dataDir: dir,
      pid,
      controlUrl: ready.controlUrl,
    })
    await supervisor.stop()
    expect(fs.existsSync(path.join(dir, 'control.json'))).toBe(false)
    expect(fs.existsSync(pointer)).toBe(false)
    await vi.waitFor(() => expect(() => process.kill(pid, 0)).toThrow())
    expect(supervisor.restarts).toBe(0)
  })

  it('reports a gateway that cannot start instead of restarting it forever', async () => {
    const dir = tempDir()
    writeConfig(dir, { sharing: false })
    const first = host(dir)
    await first.start()
    // A second gateway on the same data folder refuses to start (app-gateway.ts).
    const second = host(dir)
    await expect(second.start()).rejects.toThrow(/already running for this data folder/)
    await new Promise((r) => setTimeout(r, 800))
    expect(second.restarts).toBe(0)
  })

  it("brings the child's log lines into the app's log file (a packaged app has no terminal)", async () => {
    const taken = await occupyPort()
    const dir = tempDir()
    // The LAN port taken: the child starts without sharing and warns why.
    writeConfig(dir, { sharing: true, port: taken })
    const log = createAppLog({ stderr: new PassThrough() })
    const file = log.openFile(path.join(dir, 'logs'))
    onCleanup(() => log.close())
    const files = appFiles(path.join(process.cwd(), 'electron'))
    const supervisor = setupGatewayHost({
      dataDir: dir,
      files,
      logger: silentLogger,
      output: log.writeLine,
    })
    onCleanup(() => supervisor.stop())
    const ready = await supervisor.start()
    expect(ready.error).toMatch(/EADDRINUSE/)
    expect(UtilityProcess.forked[0]!.options).toMatchObject({ stdio: 'pipe' })
    await vi.waitFor(() =>
      expect(fs.readFileSync(file, 'utf8')).toMatch(
        /^\S+Z corral-gateway: warn: Starting Corral failed: .*EADDRINUSE/m,
      ),
    )
  })
})
