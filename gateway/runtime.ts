// A config compiled for the hot path: keys indexed by hash, access lists as
// ranges, model patterns as predicates, limits merged with the defaults.
// Compiled once per config load; a request only does look-ups.
import type { Config, Limits } from './config/schema.js'
import { KeyIndex, type CompiledKey } from './auth/keys.js'
import { compileAccess, type CompiledAccess } from './access/ip-filter.js'
import { compileModelAllowlist } from './limits/models.js'
import { compileSubnetRule, type GuestBindings, type SubnetRule } from './auth/subnet.js'
import { compileKeyOptions, type CompiledKeyOptions } from './key-options/merge.js'
import { DeviceIndex } from './device-keys/compiled.js'
import type { DeviceGate } from './device-keys/gate.js'

export interface Snapshot {
  readonly config: Config
  readonly keys: KeyIndex
  /** Enrolled and refused device keys (the `ollama` CLI's signatures). */
  readonly devices: DeviceIndex
  /** Where signed requests are checked (replay guard, unknown devices); null: not accepted. */
  readonly deviceGate: DeviceGate | null
  readonly access: CompiledAccess
  /** Header names that may carry a key: stripped before forwarding. */
  readonly keyHeaders: readonly string[]
  readonly basePath: string
  limitsFor(key: CompiledKey): Limits
  modelAllowed(key: CompiledKey, model: string): boolean
  /** Whether the key may be used from this address (its subnet, or a guest's binding). */
  keyAllowedFrom(key: CompiledKey, ip: string): boolean
  /** The key's model options; null when it has none (nothing to apply). */
  keyOptions(key: CompiledKey): CompiledKeyOptions | null
}

export interface SnapshotDeps {
  /** Where guest keys' first-use bindings are kept until saved (the running Corral's). */
  guestBindings?: GuestBindings | null
  /** The running process's device gate (gateway/device-keys/gate.ts). */
  deviceGate?: DeviceGate | null
}

/** Compile a config; throws (naming the bad entry) when it cannot be used. */
export function compileSnapshot(config: Config, deps: SnapshotDeps = {}): Snapshot {
  const keys = new KeyIndex(config.keys)
  const devices = new DeviceIndex(config)
  const access = compileAccess(config.access)
  const defaults = config.limits.defaults
  const limitsById = new Map<string, Limits>()
  const modelsById = new Map<string, (model: string) => boolean>()
  // Only keys that have a rule or options are in these maps: the others cost one miss.
  const subnetsById = new Map<string, SubnetRule>()
  const optionsById = new Map<string, CompiledKeyOptions>()
  for (const k of config.keys) {
    const own = Object.fromEntries(
      Object.entries(k.limits).filter(([, v]) => v !== undefined),
    ) as Partial<Limits>
    limitsById.set(k.id, { ...defaults, ...own })
    modelsById.set(k.id, compileModelAllowlist(k.models))
    const subnet = compileSubnetRule(k, deps.guestBindings ?? null)
    if (subnet !== null) subnetsById.set(k.id, subnet)
    const options = compileKeyOptions(k)
    if (options !== null) optionsById.set(k.id, options)
  }
  const custom = config.auth.headerName.toLowerCase()
  const keyHeaders = ['authorization', 'x-api-key', ...(custom ? [custom] : [])]
  const unlimited: Limits = {
    requests: null,
    windowSeconds: 60,
    tokensPerMinute: null,
    concurrency: null,
    maxOutputTokens: null,
  }
  return {
    config,
    keys,
    devices,
    deviceGate: deps.deviceGate ?? null,
    access,
    keyHeaders: [...new Set(keyHeaders)],
    basePath: config.server.basePath,
    limitsFor: (key) =>
      config.limits.enabled ? (limitsById.get(key.record.id) ?? defaults) : unlimited,
    modelAllowed: (key, model) => modelsById.get(key.record.id)?.(model) ?? true,
    keyAllowedFrom: (key, ip) => subnetsById.get(key.record.id)?.allows(ip) ?? true,
    keyOptions: (key) => optionsById.get(key.record.id) ?? null,
  }
}
