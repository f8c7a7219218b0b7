// The Settings form's state, and the patch it sends: only what changed.
import type { Limits, Settings, SettingsPatch } from '../api/types.js'

/** The form: numbers as typed (strings), so a half-typed value is not forced into shape. */
export interface Form {
  host: string
  port: string
  controlPort: string
  basePath: string
  mdns: boolean
  name: string
  statsEnabled: boolean
  retentionDays: string
  rollupRetentionDays: string
  limitsEnabled: boolean
  requests: string
  windowSeconds: string
  tokensPerMinute: string
  concurrency: string
  maxOutputTokens: string
  maxQueuedPerKey: string
  maxWaitSeconds: string
  localPriority: boolean
  startAtLogin: boolean
}

const str = (n: number | null) => (n === null ? '' : String(n))

export function formOf(s: Settings): Form {
  return {
    host: s.server.host,
    port: str(s.server.port),
    controlPort: str(s.server.controlPort),
    basePath: s.server.basePath,
    mdns: s.discovery.mdns,
    name: s.discovery.name,
    statsEnabled: s.stats.enabled,
    retentionDays: str(s.stats.retentionDays),
    rollupRetentionDays: str(s.stats.rollupRetentionDays),
    limitsEnabled: s.limits.enabled,
    requests: str(s.limits.defaults.requests),
    windowSeconds: str(s.limits.defaults.windowSeconds),
    tokensPerMinute: str(s.limits.defaults.tokensPerMinute),
    concurrency: str(s.limits.defaults.concurrency),
    maxOutputTokens: str(s.limits.defaults.maxOutputTokens),
    maxQueuedPerKey: str(s.queue.maxQueuedPerKey),
    maxWaitSeconds: str(s.queue.maxWaitMs / 1000),
    localPriority: s.queue.localPriority,
    startAtLogin: s.desktop.startAtLogin,
  }
}

/** Only what changed, in the API's shape. Blank limit fields mean "no limit". */
export function patchOf(before: Form, after: Form): SettingsPatch {
  const patch: SettingsPatch = {}
  const changed = (k: keyof Form) => before[k] !== after[k]
  const num = (s: string) => Number(s)
  const limit = (s: string) => (s.trim() === '' ? null : Number(s))
  const section = <S extends keyof SettingsPatch>(
    name: S,
    values: NonNullable<SettingsPatch[S]>,
  ) => {
    if (Object.keys(values).length > 0) patch[name] = values
  }
  const server: NonNullable<SettingsPatch['server']> = {}
  if (changed('host')) server.host = after.host.trim()
  if (changed('port')) server.port = num(after.port)
  if (changed('controlPort')) server.controlPort = num(after.controlPort)
  if (changed('basePath')) server.basePath = after.basePath.trim().replace(/\/+$/, '')
  section('server', server)
  const discovery: NonNullable<SettingsPatch['discovery']> = {}
  if (changed('mdns')) discovery.mdns = after.mdns
  if (changed('name')) discovery.name = after.name.trim()
  section('discovery', discovery)
  const stats: NonNullable<SettingsPatch['stats']> = {}
  if (changed('statsEnabled')) stats.enabled = after.statsEnabled
  if (changed('retentionDays')) stats.retentionDays = num(after.retentionDays)
  if (changed('rollupRetentionDays')) stats.rollupRetentionDays = num(after.rollupRetentionDays)
  section('stats', stats)
  const defaults: Partial<Limits> = {}
  if (changed('requests')) defaults.requests = limit(after.requests)
  if (changed('windowSeconds')) defaults.windowSeconds = num(after.windowSeconds)
  if (changed('tokensPerMinute')) defaults.tokensPerMinute = limit(after.tokensPerMinute)
  if (changed('concurrency')) defaults.concurrency = limit(after.concurrency)
  if (changed('maxOutputTokens')) defaults.maxOutputTokens = limit(after.maxOutputTokens)
  const limits: NonNullable<SettingsPatch['limits']> = {}
  if (changed('limitsEnabled')) limits.enabled = after.limitsEnabled
  if (Object.keys(defaults).length > 0) limits.defaults = defaults
  section('limits', limits)
  const queue: NonNullable<SettingsPatch['queue']> = {}
  if (changed('maxQueuedPerKey')) queue.maxQueuedPerKey = num(after.maxQueuedPerKey)
  if (changed('maxWaitSeconds')) queue.maxWaitMs = Math.round(num(after.maxWaitSeconds) * 1000)
  if (changed('localPriority')) queue.localPriority = after.localPriority
  section('queue', queue)
  if (changed('startAtLogin')) section('desktop', { startAtLogin: after.startAtLogin })
  return patch
}
