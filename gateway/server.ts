// startCorral: a running Corral. The control listener on 127.0.0.1, the LAN
// listener while sharing is on, mDNS, control.json for the CLI. Used by
// `corral serve` and by the desktop app alike.
import { lanUrls } from './util/lan.js'
export { lanUrls }
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { Corral, type CorralOptions } from './core.js'
import { buildControl, newControlToken } from './control/server.js'
import { ControlError } from './control/common.js'
import { defaultUiDir } from './control/static-ui.js'
import type { Sharing } from './control/sharing.js'
import { dataFiles } from './config/paths.js'
import { removeControlInfo, writeControlInfo, type ControlInfo } from './control-info.js'
import { pointFromDefault } from './elsewhere.js'
import { TlsSource } from './tls/source.js'
import { securePrivateFiles } from './config/private-files.js'
import { tlsStatus } from './tls/status.js'
import { connectLinks } from './tls/connect-links.js'
import { setCertificate } from './tls/listeners.js'
import { LanListener } from './lan-listener.js'
import { createNetworkProbe, type NetworkProbe } from './network/probe.js'
import { NetworkBinding } from './network/binding.js'
import { forgetNetwork, rememberNetwork } from './network/remember.js'
import { WorkerFleet, type FleetOptions } from './workers/fleet.js'

export interface StartOptions extends CorralOptions {
  /** Overrides config for this run (flags): bind address, ports. */
  host?: string
  port?: number
  controlPort?: number
  /** Built UI folder; default: dist/renderer when present. */
  uiDir?: string | null
  /** Sharing state for this run; default: the config's `server.sharing`. */
  sharing?: boolean
  /** The TLS source (tests pass one with their own names); default: from config. */
  tls?: TlsSource
  /** Pause sharing on networks the owner has not shared on; overrides `network.bound`. */
  networkBound?: boolean
  /** When neither the flag nor `network.bound` says: the desktop app true, `serve` false. */
  networkBoundDefault?: boolean
  /** Reads the network this machine is on (tests inject one); default: the routing table. */
  networkProbe?: NetworkProbe
  networkIntervalMs?: number
  /**
   * Serve the LAN port from this many worker processes (node:cluster), this process keeping
   * the shared state (workers/fleet.ts). Absent, or a count below 2: this process serves it.
   */
  workers?: FleetOptions
}

export type { ControlInfo }

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
  /** The network binding: 'change' when the network or the pause changes (the tray listens). */
  network: NetworkBinding
  close(): Promise<void>
}

export async function startCorral(opts: StartOptions): Promise<RunningCorral> {
  const corral = Corral.open(opts)
  const files = dataFiles(opts.dataDir)
  const uiDir = opts.uiDir === undefined ? defaultUiDir() : opts.uiDir
  const token = newControlToken()
  const cfg = corral.config.server
  const host = opts.host ?? cfg.host
  let controlPort = 0
  let switching: Promise<void> = Promise.resolve()
  const tls =
    opts.tls ??
    new TlsSource({
      dataDir: opts.dataDir,
      logger: corral.logger,
      now: corral.now,
      watch: opts.watchConfig,
    })
  await tls.configure(cfg.tls)
  // Config, stats and certificate are open: the data dir and its files are the user's only.
  securePrivateFiles(opts.dataDir, corral.logger)
  const fleet =
    opts.workers !== undefined && opts.workers.count >= 2
      ? new WorkerFleet(corral, opts.workers)
      : null
  if (fleet !== null) {
    try {
      await fleet.start()
    } catch (err) {
      await fleet.close().catch(() => {})
      await corral.close()
      throw err
    }
  }
  const lan = new LanListener({ corral, tls, fleet, uiDir, host, port: opts.port ?? cfg.port })
  const startLan = () => lan.start()
  const stopLan = () => lan.stop()
  // The owner's switch; the network binding may hold the listener off while it is on.
  let wanted = opts.sharing ?? cfg.sharing
  const network = new NetworkBinding({
    probe: opts.networkProbe ?? createNetworkProbe(),
    bound: () =>
      opts.networkBound ?? corral.config.network.bound ?? opts.networkBoundDefault ?? false,
    remembered: () => corral.config.network.remembered,
    wanted: () => wanted,
    intervalMs: opts.networkIntervalMs,
  })
  const rememberHere = async () => {
    const here = network.network()
    if (here && !network.state().known) {
      await corral.update((c) => rememberNetwork(c, here, corral.now()))
    }
  }

  tls.on('change', (material) => {
    // A renewed or replaced certificate: new connections get it, open ones keep theirs.
    if (lan.app && lan.listeners.main?.scheme === 'https') {
      if (fleet !== null) fleet.setCertificate({ cert: material.cert, key: material.key })
      else setCertificate(lan.app, material)
      lan.advertise()
    } else void sharing.restart().catch(() => {})
    saveControlInfo()
  })

  let tlsApplied = JSON.stringify(cfg.tls)
  corral.store.on('change', () => {
    const next = corral.config.server.tls
    if (JSON.stringify(next) === tlsApplied) return
    tlsApplied = JSON.stringify(next)
    // A new TLS mode, files or plain port: the listener starts again with them.
    void tls
      .configure(next)
      .then(() => sharing.restart())
      .catch((err: unknown) => corral.logger.error(`TLS change not applied: ${String(err)}`))
  })

  /** Listen when the owner wants it and the network allows it; stop otherwise. */
  const reconcile = (before?: () => Promise<void>) => {
    // A failed switch (port taken) must not poison every later one.
    switching = switching
      .catch(() => {})
      .then(async () => {
        await before?.()
        if (wanted && network.allows()) await startLan()
        else await stopLan()
        saveControlInfo()
      })
    return switching
  }
  network.on('change', (state) => {
    if (state.paused) corral.logger.warn(state.reason ?? 'Sharing is paused.')
    // A new address may need a new self-signed certificate before the listener starts.
    reconcile(() => tls.refresh()).catch((err: unknown) => {
      corral.logger.error(`Could not resume sharing: ${(err as Error).message}`)
    })
  })
  let wasBound = network.state().bound
  corral.store.on('change', () => {
    const bound = network.state().bound
    const turnedOn = bound && !wasBound
    wasBound = bound
    // Binding sharing while it runs is the owner's yes for the network it runs on.
    if (turnedOn && wanted && lan.app !== null) void rememberHere().finally(() => network.check())
    else network.check()
  })

  const sharing: Sharing = {
    isOn: () => lan.app !== null,
    set: (on) => {
      switching = switching
        .catch(() => {})
        .then(async () => {
          // Turning sharing on is the owner's yes for the network the machine is on.
          if (on && network.state().bound) await rememberHere()
          wanted = on
          if (on && network.allows()) await startLan()
          else await stopLan()
          network.check()
          if (corral.config.server.sharing !== on) {
            await corral.update((c) => {
              c.server.sharing = on
            })
          }
          saveControlInfo()
        })
      return switching
    },
    restart: () => {
      switching = switching
        .catch(() => {})
        .then(async () => {
          if (!lan.app && !(wanted && network.allows())) return
          await stopLan()
          await startLan()
          saveControlInfo()
        })
      return switching
    },
    urls: () => lan.urls(),
    connectLinks: (key) =>
      connectLinks({
        key,
        host,
        tlsMode: tls.mode,
        port: lan.listeners.main?.port ?? lan.port,
        // The certificate served, or the one HTTPS will serve once sharing is on.
        fingerprint: tls.current()?.info.fingerprint ?? null,
        tlsError: tls.error(),
      }),
    tls: () =>
      tlsStatus({
        config: corral.config.server.tls,
        served: lan.listeners.main?.scheme === 'https' ? tls.current() : null,
        error: tls.error(),
        plainPort: tls.mode === 'off' ? null : (lan.listeners.plain?.port ?? null),
        now: corral.now(),
      }),
    certificate: () => tls.current()?.cert ?? null,
    network: () => network.state(),
    shareHere: () => {
      // It resumes sharing paused by the network; it never turns on what the owner turned off.
      if (!wanted) {
        return Promise.reject(
          new ControlError(
            409,
            'sharing is off: "Share on this network" only resumes sharing paused on a new network; turn sharing on to share here',
          ),
        )
      }
      return reconcile(async () => {
        await rememberHere()
        if (!corral.config.server.sharing) {
          await corral.update((c) => {
            c.server.sharing = true
          })
        }
      })
    },
    forgetNetwork: (id) =>
      reconcile(async () => {
        await corral.update((c) => void forgetNetwork(c, id))
      }),
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

  const saveControlInfo = () =>
    writeControlInfo(
      files.control,
      {
        url: controlUrl,
        token,
        pid: process.pid,
        dataDir: opts.dataDir,
        gatewayUrls: sharing.urls(),
        startedAt: new Date().toISOString(),
      },
      corral.logger,
    )

  try {
    // The first start with sharing on is the owner's yes for the network it starts on.
    if (wanted && network.state().bound && corral.config.network.remembered.length === 0) {
      await rememberHere()
    }
    // In the switching chain: remembering the network above makes the binding look again,
    // and what that starts must come after this start, not beside it.
    switching = switching.then(async () => {
      if (wanted && network.allows()) await startLan()
    })
    await switching
    network.start()
    saveControlInfo()
  } catch (err) {
    network.stop()
    await stopLan().catch(() => {})
    await fleet?.close().catch(() => {})
    await control.close()
    await corral.close()
    throw err
  }

  // A CLI that looks in the default folder learns this server runs on another one.
  const unpoint = pointFromDefault(opts.dataDir, { pid: process.pid, controlUrl }, corral.logger)

  let closing: Promise<void> | null = null
  return {
    corral,
    control,
    controlUrl,
    uiUrl: `${controlUrl}/#token=${token}`,
    token,
    sharing,
    gatewayPort: () => (lan.app ? lan.port : null),
    gateway: () => lan.app,
    network,
    close: () =>
      (closing ??= (async () => {
        network.stop()
        await switching.catch(() => {})
        await stopLan()
        await fleet?.close()
        tls.close()
        await control.close()
        await corral.close()
        removeControlInfo(files.control, token)
        unpoint()
      })()),
  }
}
