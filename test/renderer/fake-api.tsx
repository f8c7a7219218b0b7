// An in-memory Corral for component tests: the views talk to the CorralApi
// port, and this adapter keeps state, records calls and can fail on demand
// with the same errors the HTTP client raises. The HTTP client itself is
// exercised against a real server in test/e2e.
import type { ReactElement } from 'react'
import { render } from '@testing-library/react'
import type { CorralApi } from '../../renderer/src/api/client.js'
import { ApiContext } from '../../renderer/src/api/context.js'
import { errorFromResponse, type ApiError } from '../../renderer/src/api/errors.js'
import { LiveProvider } from '../../renderer/src/live/live-context.js'
import { StatusProvider } from '../../renderer/src/live/status-context.js'
import type {
  Activity,
  KeyPause,
  Pause,
  PauseInput,
  AccessListName,
  AccessLists,
  AccessPreset,
  Backend,
  BackendInput,
  BackendsView,
  CreatedKey,
  KeyInput,
  KeyPatch,
  KeyView,
  LiveEvent,
  Pull,
  RequestRecord,
  Settings,
  SettingsPatch,
  StatsSeries,
  StatsSummary,
  Status,
  NetworkState,
  RememberedNetwork,
} from '../../renderer/src/api/types.js'
import { backend, defaultSettings, keyView, liveSnapshot, NOW } from './fixtures.js'

export { backend, keyView, liveSnapshot, NOW, record } from './fixtures.js'

const LAN = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']

type Method = keyof CorralApi

export class FakeApi implements CorralApi {
  readonly calls: Array<{ method: Method; args: unknown[] }> = []
  statusData: Status = {
    version: '0.1.0',
    dataDir: '/home/sam/.config/Corral',
    sharing: true,
    urls: ['http://192.168.1.5:11435'],
    keys: { total: 1, active: 1 },
    backends: [backend()],
    live: liveSnapshot(),
    localOllamaExposed: false,
    ollama: { state: 'up', message: null },
    configProblem: null,
    warnings: [],
    tls: {
      mode: 'off',
      scheme: 'http',
      fingerprint: null,
      certificate: null,
      plainPort: null,
      error: null,
      warnings: [],
    },
    network: networkState(),
  }
  keyList: KeyView[] = [keyView()]
  backendsData: BackendsView = { backends: [backend()], candidates: [] }
  accessData: AccessLists = { allow: [...LAN], deny: [], trustedProxies: [] }
  presets: AccessPreset[] = [
    { id: 'lan', label: 'LAN only', description: 'Private addresses.', entries: [...LAN] },
    {
      id: 'thisSubnet',
      label: 'This subnet',
      description: 'Only 192.168.1.0/24.',
      entries: ['127.0.0.0/8', '::1/128', '192.168.1.0/24'],
    },
    {
      id: 'thisMachine',
      label: 'This machine',
      description: 'Only here.',
      entries: ['127.0.0.0/8', '::1/128'],
    },
  ]
  settingsData: Settings = defaultSettings()
  summaryData: StatsSummary = {
    range: { since: NOW - 3_600_000, until: NOW },
    totals: {
      since: NOW - 3_600_000,
      until: NOW,
      source: 'raw',
      requests: 0,
      errors: 0,
      promptTokens: 0,
      completionTokens: 0,
      avgDurationMs: null,
      avgTtfbMs: null,
      avgTokensPerSecond: null,
      queued: 0,
      avgQueueMs: null,
      outcomes: {},
    },
    breakdown: [],
  }
  seriesData: StatsSeries = {
    range: { since: NOW - 3_600_000, until: NOW },
    bucketMs: 60_000,
    points: [],
  }
  recentData: RequestRecord[] = []
  pullList: Pull[] = []
  private readonly failures = new Map<Method, ApiError>()
  private readonly listeners = new Set<(e: LiveEvent) => void>()

  /** The next call of `method` fails like the server answered `status` with `message`. */
  failNext(method: Method, status: number, message: string): void {
    this.failures.set(method, errorFromResponse(status, message))
  }

  /** Sends an event on the live feed to every open stream. */
  emit(event: LiveEvent): void {
    for (const l of this.listeners) l(event)
  }

  callsTo(method: Method): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args)
  }

  private async answer<T>(method: Method, args: unknown[], value: () => T): Promise<T> {
    this.calls.push({ method, args })
    await Promise.resolve()
    const failure = this.failures.get(method)
    if (failure) {
      this.failures.delete(method)
      throw failure
    }
    return structuredClone(value())
  }

  status = () => this.answer('status', [], () => this.statusData)
  shareHere = () =>
    this.answer('shareHere', [], () => {
      const n = this.statusData.network
      const here = n.current!
      const remembered = [...n.remembered, rememberedNetwork(here.subnet, here.gateway)]
      this.statusData = {
        ...this.statusData,
        sharing: true,
        warnings: this.statusData.warnings.filter((w) => w !== n.reason),
        network: { ...n, known: true, paused: false, reason: null, remembered },
      }
      return this.statusData.network
    })
  forgetNetwork = (id: string) =>
    this.answer('forgetNetwork', [id], () => {
      const n = this.statusData.network
      const remembered = n.remembered.filter((r) => r.id !== id)
      this.statusData = { ...this.statusData, network: { ...n, remembered } }
      return this.statusData.network
    })
  setSharing = (on: boolean) =>
    this.answer('setSharing', [on], () => {
      this.statusData = {
        ...this.statusData,
        sharing: on,
        urls: on ? ['http://192.168.1.5:11435'] : [],
      }
      return this.statusData
    })
  keys = () => this.answer('keys', [], () => this.keyList)
  createKey = (input: KeyInput) =>
    this.answer('createKey', [input], (): CreatedKey => {
      const key = 'crl_' + 'x'.repeat(43)
      const created: CreatedKey = {
        ...keyView({
          id: `k${this.keyList.length + 1}`,
          name: input.name ?? 'Guest',
          scopes: input.scopes ?? ['inference'],
          guest: input.guest ?? false,
          subnet: input.subnet ?? null,
          expiresAt: input.guest ? new Date(NOW + 24 * 3600_000).toISOString() : null,
        }),
        key,
        connectUrls: [`http://192.168.1.5:11435/connect#key=${key}`],
        connectProblem: null,
      }
      this.keyList = [
        ...this.keyList,
        { ...created, lastUsedAt: null, usageToday: { requests: 0, tokens: 0 }, active: true },
      ]
      return created
    })
  revokeKey = (id: string) =>
    this.answer('revokeKey', [id], () => {
      this.keyList = this.keyList.map((k) =>
        k.id === id ? { ...k, revokedAt: new Date().toISOString(), active: false } : k,
      )
      return this.keyList.find((k) => k.id === id)!
    })
  updateKey = (id: string, patch: KeyPatch) =>
    this.answer('updateKey', [id, patch], () => {
      this.keyList = this.keyList.map((k) => {
        if (k.id !== id) return k
        const options: Record<string, unknown> = patch.options === null ? {} : { ...k.options }
        for (const [name, v] of Object.entries(patch.options ?? {})) {
          if (v === null) delete options[name]
          else options[name] = v
        }
        return {
          ...k,
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.subnet !== undefined ? { subnet: patch.subnet } : {}),
          ...(patch.models !== undefined ? { models: patch.models } : {}),
          ...(patch.scopes !== undefined ? { scopes: patch.scopes } : {}),
          ...(patch.limits !== undefined ? { limits: { ...k.limits, ...patch.limits } } : {}),
          options: options as KeyView['options'],
        }
      })
      return this.keyList.find((k) => k.id === id)!
    })
  backends = () => this.answer('backends', [], () => this.backendsData)
  addBackend = (input: BackendInput) =>
    this.answer('addBackend', [input], () => {
      const added = backend({
        id: `b${this.backendsData.backends.length + 1}`,
        name: input.candidate ?? input.name ?? 'new',
        url: input.url ?? 'http://10.0.0.9:11434',
        source: input.candidate ? 'mdns' : 'manual',
      })
      this.backendsData = { ...this.backendsData, backends: [...this.backendsData.backends, added] }
      return added
    })
  updateBackend = (id: string, patch: BackendInput) =>
    this.answer('updateBackend', [id, patch], () => {
      this.backendsData = {
        ...this.backendsData,
        backends: this.backendsData.backends.map((b) =>
          b.id === id
            ? { ...b, ...patch, state: patch.enabled === false ? 'disabled' : b.state }
            : b,
        ) as Backend[],
      }
      return {}
    })
  removeBackend = (id: string) =>
    this.answer('removeBackend', [id], () => {
      this.backendsData = {
        ...this.backendsData,
        backends: this.backendsData.backends.filter((b) => b.id !== id),
      }
      return {}
    })
  access = () => this.answer('access', [], () => this.accessData)
  accessPresets = () => this.answer('accessPresets', [], () => this.presets)
  addAccess = (list: AccessListName, entry: string) =>
    this.answer('addAccess', [list, entry], () => {
      this.accessData = { ...this.accessData, [list]: [...this.accessData[list], entry] }
      return this.accessData
    })
  removeAccess = (list: AccessListName, entry: string) =>
    this.answer('removeAccess', [list, entry], () => {
      this.accessData = {
        ...this.accessData,
        [list]: this.accessData[list].filter((e) => e !== entry),
      }
      return this.accessData
    })
  replaceAccess = (list: AccessListName, entries: string[]) =>
    this.answer('replaceAccess', [list, entries], () => {
      this.accessData = { ...this.accessData, [list]: entries }
      return this.accessData
    })
  settings = () => this.answer('settings', [], () => this.settingsData)
  updateSettings = (patch: SettingsPatch) =>
    this.answer('updateSettings', [patch], () => {
      const s = structuredClone(this.settingsData)
      Object.assign(s.server, patch.server)
      Object.assign(s.discovery, patch.discovery)
      Object.assign(s.stats, patch.stats)
      Object.assign(s.queue, patch.queue)
      Object.assign(s.desktop, patch.desktop)
      Object.assign(s.network, patch.network)
      if (patch.limits?.enabled !== undefined) s.limits.enabled = patch.limits.enabled
      Object.assign(s.limits.defaults, patch.limits?.defaults)
      if (patch.server?.port !== undefined) s.restartRequired = ['server.port']
      this.settingsData = s
      return s
    })
  summary = (since: string, by: string) =>
    this.answer('summary', [since, by], () => this.summaryData)
  series = (since: string, bucketMs: number) =>
    this.answer('series', [since, bucketMs], () => this.seriesData)
  recent = (limit: number) => this.answer('recent', [limit], () => this.recentData)
  pull = (model: string, backendId?: string) =>
    this.answer('pull', [model, backendId], () => {
      const id = `p${this.pullList.length + 1}`
      const b =
        this.backendsData.backends.find((x) => x.id === backendId) ?? this.backendsData.backends[0]!
      const job: Pull = {
        id,
        model,
        backendId: b.id,
        backend: b.name,
        status: 'starting',
        completed: 0,
        total: 0,
        error: null,
        done: false,
        startedAt: Date.now(),
        finishedAt: null,
      }
      this.pullList = [job, ...this.pullList]
      return job
    })
  pulls = () => this.answer('pulls', [], () => this.pullList)
  activityData: Activity = { ts: NOW, keys: [], paused: [], everyone: null, ownKeys: [] }
  activity = () => this.answer('activity', [], () => this.activityData)
  pauseKey = (id: string, input: PauseInput) =>
    this.answer('pauseKey', [id, input], (): KeyPause => {
      const name = this.keyList.find((k) => k.id === id)?.name ?? id
      const until = input.for ? new Date(NOW + 30 * 60_000).toISOString() : null
      const p = {
        keyId: id,
        keyName: name,
        since: new Date(NOW).toISOString(),
        until,
        queue: !!input.queue,
      }
      this.activityData = { ...this.activityData, paused: [...this.activityData.paused, p] }
      return p
    })
  resumeKey = (id: string) =>
    this.answer('resumeKey', [id], () => {
      this.activityData = {
        ...this.activityData,
        paused: this.activityData.paused.filter((p) => p.keyId !== id),
      }
      return null
    })
  kickKey = (id: string) =>
    this.answer('kickKey', [id], () => {
      const row = this.activityData.keys.find((k) => k.keyId === id)
      this.activityData = {
        ...this.activityData,
        keys: this.activityData.keys.filter((k) => k.keyId !== id),
      }
      return { running: row?.running ?? 0, queued: row?.queued ?? 0 }
    })
  configDiscarded = false
  discardBrokenConfig = () =>
    this.answer('discardBrokenConfig', [], () => {
      const discarded = Boolean(this.statusData.configProblem)
      this.statusData = { ...this.statusData, configProblem: null }
      this.configDiscarded ||= discarded
      return { discarded }
    })
  setOwnKey = (id: string, own: boolean) =>
    this.answer('setOwnKey', [id, own], () => {
      const rest = this.activityData.ownKeys.filter((k) => k !== id)
      this.activityData = { ...this.activityData, ownKeys: own ? [...rest, id] : rest }
      return null
    })
  pauseAll = (duration: string | null) =>
    this.answer('pauseAll', [duration], (): Pause => {
      const everyone = { since: new Date(NOW).toISOString(), until: null, queue: false }
      this.activityData = { ...this.activityData, everyone }
      return everyone
    })
  resumeAll = () =>
    this.answer('resumeAll', [], () => {
      this.activityData = { ...this.activityData, everyone: null, paused: [] }
      return null
    })

  events(onEvent: (event: LiveEvent) => void, signal: AbortSignal): Promise<void> {
    this.calls.push({ method: 'events', args: [] })
    this.listeners.add(onEvent)
    return new Promise((resolve) => {
      signal.addEventListener('abort', () => {
        this.listeners.delete(onEvent)
        resolve()
      })
    })
  }
}

/** Renders `ui` the way the window does: with the API, the status and the live feed. */
export function renderWithApi(ui: ReactElement, api: CorralApi = new FakeApi()) {
  return render(
    <ApiContext.Provider value={api}>
      <StatusProvider>
        <LiveProvider>{ui}</LiveProvider>
      </StatusProvider>
    </ApiContext.Provider>,
  )
}

export function rememberedNetwork(subnet: string, gateway: string): RememberedNetwork {
  return {
    id: `${subnet}@${gateway}`,
    subnet,
    gateway,
    gatewayMac: '',
    label: `${subnet} via ${gateway}`,
    addedAt: '2026-11-30T09:00:00.000Z',
  }
}

export function networkState(overrides: Partial<NetworkState> = {}): NetworkState {
  return {
    bound: true,
    current: {
      iface: 'wlan0',
      family: 'IPv4',
      address: '192.168.1.5',
      subnet: '192.168.1.0/24',
      gateway: '192.168.1.1',
      gatewayMac: '',
      label: '192.168.1.0/24 via 192.168.1.1',
    },
    known: true,
    paused: false,
    reason: null,
    remembered: [rememberedNetwork('192.168.1.0/24', '192.168.1.1')],
    ...overrides,
  }
}
