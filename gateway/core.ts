// The composition root: one Corral holds the config, the compiled snapshot,
// the backend pool and everything that keeps state across requests. The
// gateway app, the control API, the CLI and the desktop app all drive it.
import { EventEmitter } from 'node:events'
import type { Dispatcher } from 'undici'
import { ConfigStore } from './config/store.js'
import { dataFiles } from './config/paths.js'
import type { Config } from './config/schema.js'
import { compileSnapshot, type Snapshot } from './runtime.js'
import { BackendPool } from './backends/pool.js'
import { HealthChecker } from './backends/health.js'
import { createUpstreamAgent, UpstreamPool } from './proxy/forward.js'
import { createLogger, type Logger } from './util/logger.js'
import { newId } from './util/ids.js'
import { Limiters } from './limits/limiters.js'
import { StatsHub } from './stats/hub.js'
import { createNoopDiscovery, type Discovery } from './discovery/mdns.js'
import { localExposureWarning } from './backends/exposure.js'
import { seedConfig } from './config/seed.js'
export { localOllamaUrl, seedConfig } from './config/seed.js'
import { DeviceTracker } from './auth/devices.js'
import { GuestBindings } from './auth/subnet.js'
import { DeviceGate, type DeviceAsk } from './device-keys/gate.js'
import { PendingDevices, labelOf, type PendingDevice } from './device-keys/pending.js'
import { PullManager } from './backends/pull.js'
import type { HealthState } from './backends/pool.js'
import { Owner } from './owner/owner.js'
import { KeyEnds } from './owner/key-ends.js'
import { LocalAdmission } from './proxy/admission.js'
import { serveMerged, type MergeKind } from './proxy/merge.js'
import type { Exchange } from './proxy/exchange.js'
import type { GatewayHost } from './proxy/host.js'

export { VERSION } from './version.js'

export interface CorralOptions {
  dataDir: string
  logger?: Logger
  now?: () => number
  /** Watch config.json for hand edits (on in `serve` and the app). */
  watchConfig?: boolean
  /** Applied to every loaded config in memory, never saved (env and flags). */
  overlay?: (config: Config) => Config
  discovery?: Discovery
  /** Start health checks (off in some unit tests). */
  healthChecks?: boolean
  agent?: Dispatcher
  /** How often a stats database that could not be opened is tried again (tests). */
  statsReopenIntervalMs?: number
}

export interface CorralEvents {
  /** A backend's health changed (the tray and notifications listen). */
  'backend-health': [
    { id: string; name: string; from: HealthState; to: HealthState; error: string | null },
  ]
  /** A key was used from an address it had not been used from before. */
  'new-device': [{ keyId: string; keyName: string; ip: string }]
  /**
   * An `ollama` CLI nobody enrolled signed a request: the owner is asked to allow or deny it
   * (once per device while it waits; `label` is ready to show: client and address).
   */
  'device-asked': [{ device: PendingDevice; label: string }]
}

export class Corral implements GatewayHost {
  readonly events = new EventEmitter<CorralEvents>()
  readonly dataDir: string
  readonly store: ConfigStore
  readonly logger: Logger
  readonly now: () => number
  readonly pool: BackendPool
  readonly health: HealthChecker
  readonly agent: Dispatcher
  /** The relay's own keep-alive connections to the backends (proxy/upstream-pool.ts). */
  readonly upstream = new UpstreamPool()
  readonly limiters: Limiters
  readonly stats: StatsHub
  readonly discovery: Discovery
  readonly pulls: PullManager
  /** Pauses, kicks and who is using the GPU now. */
  readonly owner: Owner
  /** Revoked, deleted and expired keys' requests in flight end (owner/key-ends.ts). */
  private readonly keyEnds: KeyEnds
  /** Limits, backend choice and the fair queue for each request (also a cluster's workers'). */
  readonly admission: LocalAdmission = new LocalAdmission(this)
  private snap: Snapshot
  private readonly devices: DeviceTracker
  private readonly overlay: (config: Config) => Config
  private readonly ownsAgent: boolean
  /** Guest keys bound on first use, kept until the binding is saved to config.json. */
  private readonly guestBindings = new GuestBindings((keyId, cidr) => this.saveBinding(keyId, cidr))
  /** Devices that asked on first use, waiting for the owner (gateway/device-keys/). */
  readonly pendingDevices = new PendingDevices()
  /** Signed requests' replay guard; unknown devices go to `pendingDevices`. */
  readonly deviceGate = new DeviceGate((ask) => this.deviceAsked(ask))

  private constructor(opts: CorralOptions, store: ConfigStore, snap: Snapshot) {
    this.dataDir = opts.dataDir
    this.store = store
    this.logger = opts.logger ?? createLogger()
    this.now = opts.now ?? Date.now
    this.overlay = opts.overlay ?? ((c) => c)
    this.snap = snap
    this.ownsAgent = !opts.agent
    this.agent = opts.agent ?? createUpstreamAgent()
    this.pool = new BackendPool({ now: this.now })
    this.pool.sync(snap.config.backends)
    const b = snap.config.balancer
    this.health = new HealthChecker(
      this.pool,
      this.agent,
      { intervalMs: b.healthIntervalMs, timeoutMs: b.healthTimeoutMs, path: b.healthPath },
      this.logger,
      this.now,
    )
    this.limiters = new Limiters(snap.config, this.now)
    this.stats = StatsHub.open(dataFiles(this.dataDir), snap.config, this.logger, this.now, {
      reopenIntervalMs: opts.statsReopenIntervalMs,
    })
    this.stats.live.setQueueDepth(() => this.limiters.queueDepth())
    this.owner = new Owner(snap.config, {
      now: this.now,
      limiters: this.limiters,
      logger: this.logger,
      update: (m) => this.update(m),
      persisted: () => this.store.current,
    })
    this.keyEnds = new KeyEnds({ now: this.now, owner: this.owner })
    this.keyEnds.configure(snap.config)
    // Tokens/s while streams run, not only after they ended (the owner's registry counts frames).
    this.stats.live.setStreamRate(() => this.owner.streamingRate())
    this.discovery = opts.discovery ?? createNoopDiscovery()
    this.devices = new DeviceTracker(this.dataDir, this.logger)
    this.pulls = new PullManager(this.pool, this.agent, this.logger, this.now)
    // Models that must be present are pulled once health checks know what each backend has.
    this.health.on('checked', () => this.pulls.ensure(this.snap.config))
    // A backend that said it was full and now answers its checks gets a request again.
    this.health.on('checked', () => this.limiters.probeFull(this.pool.list()))
    store.on('change', (next) => this.apply(next))
    this.health.on('change', ({ backend, from, to }) => {
      this.stats.metrics.setBackendHealth(backend.record.name, to === 'up')
      this.events.emit('backend-health', {
        id: backend.id,
        name: backend.record.name,
        from,
        to,
        error: backend.lastError,
      })
    })
  }

  static open(opts: CorralOptions): Corral {
    const logger = opts.logger ?? createLogger()
    const overlay = opts.overlay ?? ((c: Config) => c)
    const store = ConfigStore.open(opts.dataDir, {
      logger,
      watch: opts.watchConfig ?? false,
      seed: seedConfig,
      validate: (c) => void compileSnapshot(overlay(c)),
    })
    const corral = new Corral({ ...opts, logger }, store, compileSnapshot(overlay(store.current)))
    // Compiled again with the bindings, which exist only once the Corral does.
    corral.snap = compileSnapshot(overlay(store.current), {
      guestBindings: corral.guestBindings,
      deviceGate: corral.deviceGate,
    })
    corral.refreshGauges()
    if (opts.healthChecks ?? true) corral.health.start()
    return corral
  }

  /** The compiled config every request reads; replaced whole on reload. */
  get snapshot(): Snapshot {
    return this.snap
  }

  get config(): Config {
    return this.snap.config
  }

  /** Change and save the config (validated, atomic); applies to the next request. */
  update(mutator: (draft: Config) => Config | void): Promise<Config> {
    return this.store.update(mutator)
  }

  serveMerged(ex: Exchange, kind: MergeKind): Promise<void> {
    return serveMerged(this, ex, kind)
  }

  newId(): string {
    return newId()
  }

  /** Note who used a key from where; fires 'new-device' the first time. */
  observeDevice(keyId: string, keyName: string, ip: string): void {
    if (this.devices.observe(keyId, ip)) this.events.emit('new-device', { keyId, keyName, ip })
  }

  /** A device nobody enrolled asked (here or in a cluster worker): noted for the owner. */
  deviceAsked(ask: DeviceAsk): { id: string } {
    const { device, isNew } = this.pendingDevices.note(ask, this.now())
    if (isNew) this.events.emit('device-asked', { device, label: labelOf(device) })
    return { id: device.id }
  }

  /** A guest key's first use, seen by a cluster worker: bound here too, then saved. */
  bindGuest(keyId: string, cidr: string): Promise<void> {
    return this.guestBindings.bind(keyId, cidr)
  }

  /** Save a guest key's first-use subnet, unless the owner set one meanwhile. */
  private async saveBinding(keyId: string, cidr: string): Promise<void> {
    try {
      await this.update((c) => {
        const k = c.keys.find((x) => x.id === keyId)
        if (k && k.subnet === null) k.subnet = cidr
      })
    } catch (err) {
      this.logger.error(`Could not save the subnet of key ${keyId}: ${(err as Error).message}`)
    }
  }

  /** A warning when the local Ollama is reachable from the LAN without Corral, else null. */
  localExposure(): string | null {
    const local = this.config.backends.find((b) => b.source === 'local')
    return localExposureWarning(local?.url ?? null)
  }

  private apply(persisted: Config): void {
    try {
      this.snap = compileSnapshot(this.overlay(persisted), {
        guestBindings: this.guestBindings,
        deviceGate: this.deviceGate,
      })
    } catch (err) {
      this.logger.error(`Config not applied: ${(err as Error).message}`)
      return
    }
    const c = this.snap.config
    this.pool.sync(c.backends)
    const b = c.balancer
    this.health.configure({
      intervalMs: b.healthIntervalMs,
      timeoutMs: b.healthTimeoutMs,
      path: b.healthPath,
    })
    this.limiters.configure(c)
    this.owner.configure(c)
    this.keyEnds.configure(c)
    this.stats.configure(c)
    this.refreshGauges()
    // New backends get checked now rather than at the next interval.
    void this.health.checkNow()
  }

  private refreshGauges(): void {
    this.stats.metrics.setKeys(this.snap.keys.activeCount(this.now()))
    this.stats.metrics.setBackends(this.snap.config.backends.length)
  }

  async close(): Promise<void> {
    this.health.stop()
    this.owner.close()
    this.keyEnds.close()
    this.store.close()
    await this.discovery.close().catch(() => {})
    await this.stats.close()
    this.upstream.close()
    if (this.ownsAgent) await this.agent.close().catch(() => {})
  }
}
