// The control API over HTTP. The token travels only in the Authorization
// header: never in a URL, never in a cookie.
import { ApiError, errorFromResponse, unreachable } from './errors.js'
import { readSse } from './sse.js'
import { createDevicesApi, type DevicesApi } from './devices.js'
import type {
  Activity,
  KeyPause,
  Pause,
  PauseInput,
  AccessListName,
  AccessLists,
  AccessPreset,
  BackendInput,
  BackendsView,
  BreakdownBy,
  CreatedKey,
  KeyInput,
  KeyPatch,
  KeyView,
  LiveEvent,
  LiveSnapshot,
  NetworkState,
  PublicKey,
  Pull,
  RequestRecord,
  Settings,
  SettingsPatch,
  StatsSeries,
  StatsSummary,
  Status,
} from './types.js'

/** Everything the UI asks of Corral. Views get it from context; tests pass a fake. */
export interface CorralApi {
  status(): Promise<Status>
  setSharing(on: boolean): Promise<Status>
  /** "Share on this network": remember the network sharing paused on, and share. */
  shareHere(): Promise<NetworkState>
  forgetNetwork(id: string): Promise<NetworkState>
  keys(): Promise<KeyView[]>
  createKey(input: KeyInput): Promise<CreatedKey>
  revokeKey(id: string): Promise<PublicKey>
  updateKey(id: string, patch: KeyPatch): Promise<PublicKey>
  backends(): Promise<BackendsView>
  addBackend(input: BackendInput): Promise<unknown>
  updateBackend(id: string, patch: BackendInput): Promise<unknown>
  removeBackend(id: string): Promise<unknown>
  access(): Promise<AccessLists>
  accessPresets(): Promise<AccessPreset[]>
  addAccess(list: AccessListName, entry: string): Promise<AccessLists>
  removeAccess(list: AccessListName, entry: string): Promise<AccessLists>
  replaceAccess(list: AccessListName, entries: string[]): Promise<AccessLists>
  settings(): Promise<Settings>
  updateSettings(patch: SettingsPatch): Promise<Settings>
  summary(since: string, by: BreakdownBy): Promise<StatsSummary>
  series(since: string, bucketMs: number): Promise<StatsSeries>
  recent(limit: number): Promise<RequestRecord[]>
  pull(model: string, backend?: string): Promise<{ id: string }>
  pulls(): Promise<Pull[]>
  /** Streams the live feed until it ends or `signal` aborts. */
  events(onEvent: (event: LiveEvent) => void, signal: AbortSignal): Promise<void>
  activity(): Promise<Activity>
  pauseKey(id: string, input: PauseInput): Promise<KeyPause>
  resumeKey(id: string): Promise<unknown>
  kickKey(id: string): Promise<{ running: number; queued: number }>
  /** Write the running settings over a config.json that does not load (kept as .broken). */
  discardBrokenConfig(): Promise<{ discarded: boolean }>
  setOwnKey(id: string, own: boolean): Promise<unknown>
  pauseAll(duration: string | null): Promise<Pause>
  resumeAll(): Promise<unknown>
  /** Device keys (the `ollama` CLI's signatures); absent in fakes that do not test them. */
  devices?: DevicesApi
}

export interface HttpApiOptions {
  token: string
  /** Default: the page's own origin (the control listener serves the UI). */
  baseUrl?: string
  fetch?: typeof fetch
}

export class HttpApi implements CorralApi {
  private readonly token: string
  private readonly baseUrl: string
  private readonly fetchFn: typeof fetch

  constructor(opts: HttpApiOptions) {
    this.token = opts.token
    this.baseUrl = opts.baseUrl ?? ''
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init))
  }

  devices = createDevicesApi((method, path, body) => this.call(method, path, body))
  status = () => this.call<Status>('GET', '/control/status')
  setSharing = (on: boolean) => this.call<Status>('POST', '/control/sharing', { on })
  shareHere = () => this.call<NetworkState>('POST', '/control/network/share-here')
  forgetNetwork = (id: string) =>
    this.call<NetworkState>('DELETE', `/control/network/remembered/${encodeURIComponent(id)}`)
  keys = () => this.call<KeyView[]>('GET', '/control/keys')
  createKey = (input: KeyInput) => this.call<CreatedKey>('POST', '/control/keys', input)
  revokeKey = (id: string) => this.call<PublicKey>('DELETE', `/control/keys/${enc(id)}`)
  updateKey = (id: string, patch: KeyPatch) =>
    this.call<PublicKey>('PATCH', `/control/keys/${enc(id)}`, patch)
  backends = () => this.call<BackendsView>('GET', '/control/backends')
  addBackend = (input: BackendInput) => this.call('POST', '/control/backends', input)
  updateBackend = (id: string, patch: BackendInput) =>
    this.call('PATCH', `/control/backends/${enc(id)}`, patch)
  removeBackend = (id: string) => this.call('DELETE', `/control/backends/${enc(id)}`)
  access = () => this.call<AccessLists>('GET', '/control/access')
  accessPresets = () => this.call<AccessPreset[]>('GET', '/control/access/presets')
  addAccess = (list: AccessListName, entry: string) =>
    this.call<AccessLists>('POST', `/control/access/${list}`, { entry })
  removeAccess = (list: AccessListName, entry: string) =>
    this.call<AccessLists>('DELETE', `/control/access/${list}?entry=${enc(entry)}`)
  replaceAccess = (list: AccessListName, entries: string[]) =>
    this.call<AccessLists>('PUT', `/control/access/${list}`, { entries })
  settings = () => this.call<Settings>('GET', '/control/settings')
  updateSettings = (patch: SettingsPatch) =>
    this.call<Settings>('PATCH', '/control/settings', patch)
  summary = (since: string, by: BreakdownBy) =>
    this.call<StatsSummary>('GET', `/control/stats/summary?since=${enc(since)}&by=${by}`)
  series = (since: string, bucketMs: number) =>
    this.call<StatsSeries>('GET', `/control/stats/series?since=${enc(since)}&bucket=${bucketMs}`)
  recent = (limit: number) =>
    this.call<RequestRecord[]>('GET', `/control/stats/recent?limit=${limit}`)
  pull = (model: string, backend?: string) =>
    this.call<{ id: string }>('POST', '/control/pull', backend ? { model, backend } : { model })
  pulls = () => this.call<Pull[]>('GET', '/control/pulls')
  activity = () => this.call<Activity>('GET', '/control/activity/now')
  pauseKey = (id: string, input: PauseInput) =>
    this.call<KeyPause>('POST', `/control/keys/${enc(id)}/pause`, input)
  resumeKey = (id: string) => this.call('POST', `/control/keys/${enc(id)}/resume`)
  kickKey = (id: string) =>
    this.call<{ running: number; queued: number }>('POST', `/control/keys/${enc(id)}/kick`)
  setOwnKey = (id: string, own: boolean) =>
    this.call('PUT', `/control/keys/${enc(id)}/own`, { own })
  discardBrokenConfig = () => this.call<{ discarded: boolean }>('POST', '/control/config/discard')
  pauseAll = (duration: string | null) =>
    this.call<Pause>('POST', '/control/pause-all', { for: duration })
  resumeAll = () => this.call('POST', '/control/resume-all')

  async events(onEvent: (event: LiveEvent) => void, signal: AbortSignal): Promise<void> {
    const res = await this.send('GET', '/control/events', undefined, signal, 'text/event-stream')
    if (!res.body) return
    await readSse(
      res.body,
      (m) => {
        try {
          const data: unknown = JSON.parse(m.data)
          if (m.event === 'tick') onEvent({ type: 'tick', snapshot: data as LiveSnapshot })
          else if (m.event === 'request')
            onEvent({ type: 'request', record: data as RequestRecord })
          else if (m.event === 'activity') onEvent({ type: 'activity', activity: data as Activity })
        } catch {
          // a malformed frame is skipped; the next tick brings fresh numbers
        }
      },
      signal,
    )
  }

  private async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body)
    const text = await res.text()
    return (text ? JSON.parse(text) : null) as T
  }

  private async send(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
    accept = 'application/json',
  ): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept,
    }
    // Every call that may change something says JSON, body or not: the control port refuses a
    // state-changing request without it (a form or a no-cors fetch from another page cannot).
    if (body !== undefined || (method !== 'GET' && method !== 'HEAD')) {
      headers['content-type'] = 'application/json'
    }
    let res: Response
    try {
      res = await this.fetchFn(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: 'no-store',
        credentials: 'omit',
      })
    } catch (err) {
      if (signal?.aborted) throw err
      throw unreachable(err)
    }
    if (!res.ok) throw errorFromResponse(res.status, await serverMessage(res))
    return res
  }
}

async function serverMessage(res: Response): Promise<string | null> {
  try {
    const body = (await res.json()) as { error?: unknown }
    if (typeof body.error === 'string') return body.error
    if (body.error && typeof body.error === 'object' && 'message' in body.error) {
      return String((body.error as { message: unknown }).message)
    }
    return null
  } catch {
    return null
  }
}

const enc = encodeURIComponent

export { ApiError }
