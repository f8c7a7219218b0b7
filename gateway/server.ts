// startCorral: a running Corral. The control listener on 127.0.0.1, the LAN
// listener while sharing is on, mDNS, control.json for the CLI. Used by
// `corral serve` and by the desktop app alike.
import fs from 'node:fs'
import os from 'node:os'
import { lanUrls } from './util/lan.js'
export { lanUrls }
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { Corral, VERSION, type CorralOptions } from './core.js'
import { buildGateway } from './app.js'
import { buildControl, newControlToken } from './control/server.js'
import { defaultUiDir } from './control/static-ui.js'
import type { Sharing } from './control/sharing.js'
import { dataFiles } from './config/paths.js'
import { writeFileAtomic } from './util/atomic-file.js'

export interface StartOptions extends CorralOptions {
  /** Overrides config for this run (flags): bind address, ports. */
  host?: string
  port?: number
  controlPort?: number
  /** Built UI folder; default: dist/renderer when present. */
  uiDir?: string | null
  /** Sharing state for this run; default: the config's `server.sharing`. */
  sharing?: boolean
}

export interface ControlInfo {
  url: string
  token: string
  pid: number
  dataDir: string
  gatewayUrls: string[]
  startedAt: string
}

export interface RunningCorral {
  corral: Corral
  control: FastifyInstance
  controlUrl: string
  /** The URL that opens the UI with the token in the fragment (never sent to the server). */
  uiUrl: string
  token: string
  sharing: Sharing
  /** The LAN listener's port (null while sharing is off). */
  gatewayPort(): number | null
  gateway(): FastifyInstance | null
  close(): Promise<void>
}

export async function startCorral(opts: StartOptions): Promise<RunningCorral> {
  const corral = Corral.open(opts)
  const files = dataFiles(opts.dataDir)
  const uiDir = opts.uiDir === undefined ? defaultUiDir() : opts.uiDir
  const token = newControlToken()
  const cfg = corral.config.server
  const host = opts.host ?? cfg.host
  let lanPort = opts.port ?? cfg.port
  let gateway: FastifyInstance | null = null
  let controlPort = 0
  let switching: Promise<void> = Promise.resolve()

  const startLan = async () => {
    if (gateway) return
    const app = await buildGateway(corral, { uiDir })
    try {
      await app.listen({ host, port: lanPort })
    } catch (err) {
      await app.close().catch(() => {})
      throw err
    }
    lanPort = (app.server.address() as AddressInfo).port
    gateway = app
    if (corral.config.discovery.mdns) {
      corral.discovery.advertise({
        name: corral.config.discovery.name || os.hostname(),
        port: lanPort,
        version: VERSION,
      })
    }
  }
  const stopLan = async () => {
    const app = gateway
    if (!app) return
    gateway = null
    await corral.discovery.withdraw().catch(() => {})
    await closeGracefully(app, corral.config.server.shutdownGraceMs)
  }

  const sharing: Sharing = {
    isOn: () => gateway !== null,
    set: (on) => {
      // A failed switch (port taken) must not poison every later one.
      switching = switching
        .catch(() => {})
        .then(async () => {
          if (on) await startLan()
          else await stopLan()
          if (corral.config.server.sharing !== on) {
            await corral.update((c) => {
              c.server.sharing = on
            })
          }
          writeControlInfo()
        })
      return switching
    },
    urls: () => (gateway ? lanUrls(host, lanPort) : []),
    connectUrls: (key) =>
      lanUrls(host, lanPort).map((u) => `${u}/connect#key=${encodeURIComponent(key)}`),
  }

  const control = await buildControl(corral, {
    token,
    port: () => controlPort,
    uiDir,
    sharing,
  })
  await control.listen({ host: '127.0.0.1', port: opts.controlPort ?? cfg.controlPort })
  controlPort = (control.server.address() as AddressInfo).port
  const controlUrl = `http://127.0.0.1:${controlPort}`

  const writeControlInfo = () => {
    const info: ControlInfo = {
      url: controlUrl,
      token,
      pid: process.pid,
      dataDir: opts.dataDir,
      gatewayUrls: sharing.urls(),
      startedAt: new Date().toISOString(),
    }
    try {
      writeFileAtomic(files.control, JSON.stringify(info, null, 2) + '\n', 0o600)
    } catch (err) {
      // A full or read-only data dir must not stop the gateway; only the CLI loses track of it.
      corral.logger.warn(
        `Could not write ${files.control} (${(err as Error).message}); the corral command will not find this server.`,
      )
    }
  }

  try {
    if (opts.sharing ?? cfg.sharing) await startLan()
    writeControlInfo()
  } catch (err) {
    await stopLan().catch(() => {})
    await control.close()
    await corral.close()
    throw err
  }

  let closing: Promise<void> | null = null
  return {
    corral,
    control,
    controlUrl,
    uiUrl: `${controlUrl}/#token=${token}`,
    token,
    sharing,
    gatewayPort: () => (gateway ? lanPort : null),
    gateway: () => gateway,
    close: () =>
      (closing ??= (async () => {
        await switching.catch(() => {})
        await stopLan()
        await control.close()
        await corral.close()
        removeControlInfo(files.control, token)
      })()),
  }
}

/** Stop accepting, let requests in flight finish for up to `graceMs`, then cut them. */
async function closeGracefully(app: FastifyInstance, graceMs: number): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs)
  timer.unref()
  // A keep-alive connection whose stream ends during the grace period goes idle: close it
  // then, instead of waiting for the whole grace period.
  const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS)
  sweep.unref()
  try {
    await app.close()
  } finally {
    clearTimeout(timer)
    clearInterval(sweep)
  }
}

const IDLE_SWEEP_MS = 100

/** Only remove control.json if it is still ours (another instance may have replaced it). */
function removeControlInfo(file: string, token: string): void {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ControlInfo>
    if (info.token === token) fs.rmSync(file, { force: true })
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}
