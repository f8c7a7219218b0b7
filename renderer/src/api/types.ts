// The control API's payloads as the UI reads them. They mirror the TypeBox
// schemas in gateway/control/schemas.ts (the OpenAPI document at
// /control/openapi.json); the renderer cannot import gateway code.

export type Scope = 'inference' | 'models' | 'metrics' | 'admin'
export const SCOPES: readonly Scope[] = ['inference', 'models', 'metrics', 'admin']

export interface Limits {
  requests: number | null
  windowSeconds: number
  tokensPerMinute: number | null
  concurrency: number | null
  maxOutputTokens: number | null
}

export interface LiveSnapshot {
  inFlight: number
  rps: number
  tps: number
  eps: number
  queueDepth: number
  ts: number
}

export type BackendState = 'unknown' | 'up' | 'down' | 'disabled'

export interface Backend {
  id: string
  name: string
  url: string
  source: 'local' | 'manual' | 'mdns'
  enabled: boolean
  weight: number
  capacity: number
  hasKey: boolean
  state: BackendState
  latencyMs: number | null
  lastError: string | null
  lastCheckedAt: number | null
  version: string | null
  /** Known vulnerabilities of the Ollama version it reports (model management closed on it). */
  advisories: Advisory[]
  /** The owner accepted the risk: model management stays open on it. */
  acceptVulnerable: boolean
  models: string[]
  loaded: string[]
  inFlight: number
  /** Set for this run by a flag or the environment: shown, not editable. */
  readOnly: boolean
  /** Requests it runs at once now: `capacity`, or fewer after it answered "server busy". */
  effectiveCapacity: number
  /** Requests waiting for one of its slots. */
  queued: number
  /** It answered "server busy": its capacity is learned, below the setting. */
  full: boolean
}

export interface Advisory {
  cve: string
  fixedIn: string
  summary: string
  source: string
}

export interface Candidate {
  name: string
  host: string
  addresses: string[]
  port: number
  url: string
  needsKey: boolean
  app: string | null
  version: string | null
  apis: string[]
  lastSeen: number
  /** Why the name may mislead: it is a backend's or another candidate's (with addresses). */
  nameClash?: string | null
}

export interface BackendsView {
  backends: Backend[]
  candidates: Candidate[]
}

export interface Status {
  version: string
  dataDir: string
  sharing: boolean
  urls: string[]
  keys: { total: number; active: number }
  backends: Backend[]
  live: LiveSnapshot
  localOllamaExposed: boolean
  /** "down": every enabled backend is down (amber in the tray and on Share); "none": no backend. */
  ollama: { state: 'up' | 'down' | 'checking' | 'none'; message: string | null }
  warnings: string[]
  tls: TlsStatus
  network: NetworkState
  /** config.json on disk does not load: changes are refused (409) until fixed or discarded. */
  configProblem?: ConfigProblem | null
}

export interface ConfigProblem {
  message: string
  /** The line of a syntax error, when known. */
  line: number | null
  /** Where the text that does not load was kept (config.json.broken). */
  copy: string | null
  since: string
}

export interface PublicKey {
  id: string
  name: string
  prefix: string
  scopes: Scope[]
  models: string[]
  limits: Partial<Limits>
  createdAt: string
  expiresAt: string | null
  revokedAt: string | null
  source: 'created' | 'imported' | 'env'
  /** A guest key: inference only, expires, works from `subnet` only. */
  guest: boolean
  /** The CIDR the key works from; a guest's is set by its first request (null until then). */
  subnet: string | null
  /** Ollama options filled in where the client sets none. */
  options: ModelOptions
  keepAliveMaxSeconds: number | null
}

/** Ollama option name -> value (`num_ctx`: 8192, `stop`: ["END"]). */
export type ModelOptions = Record<string, number | boolean | string[]>

export interface KeyView extends PublicKey {
  lastUsedAt: number | null
  usageToday: { requests: number; tokens: number }
  active: boolean
}

export interface CreatedKey extends PublicKey {
  key: string
  connectUrls: string[]
  /** Why there is no connect link (HTTPS on without a usable certificate); null with links. */
  connectProblem?: string | null
}

export interface KeyInput {
  /** Needed, except for a guest key. */
  name?: string
  scopes?: Scope[]
  models?: string[]
  limits?: Partial<Limits>
  expires?: string | null
  guest?: boolean
  subnet?: string | null
  options?: ModelOptions
  /** `30m`, `1h`, or seconds; null: no cap. */
  keepAliveMax?: string | null
}

/** A change to a key: `options` is merged (a name set to null is removed). */
export interface KeyPatch {
  name?: string
  scopes?: Scope[]
  /** Empty: every model. */
  models?: string[]
  /** Merged into the key's limits; null lifts one (the default from Settings applies). */
  limits?: Partial<Limits>
  /** `7d`, `12h`, an ISO date; null: never (a guest key must expire, within 30 days). */
  expires?: string | null
  subnet?: string | null
  options?: Record<string, ModelOptions[string] | null> | null
  keepAliveMax?: string | null
}

export interface BackendInput {
  url?: string
  candidate?: string
  name?: string
  key?: string | null
  enabled?: boolean
  acceptVulnerable?: boolean
  /** Send `key` to a host first seen through mDNS. */
  confirmKey?: boolean
}

export type AccessListName = 'allow' | 'deny' | 'trustedProxies'

export interface AccessLists {
  allow: string[]
  deny: string[]
  trustedProxies: string[]
}

export interface AccessPreset {
  id: 'lan' | 'thisSubnet' | 'thisMachine'
  label: string
  description: string
  entries: string[]
}

export interface Settings {
  server: {
    host: string
    port: number
    controlPort: number
    basePath: string
    tls: TlsSettings
  }
  discovery: { mdns: boolean; name: string }
  stats: { enabled: boolean; retentionDays: number; rollupRetentionDays: number }
  limits: { enabled: boolean; defaults: Limits }
  queue: { maxQueuedPerKey: number; maxWaitMs: number; localPriority: boolean }
  desktop: { startAtLogin: boolean }
  network: { bound: boolean | null }
  running: { version: string; controlPort: number; sharing: boolean; gatewayUrls: string[] }
  addresses: Array<{ name: string; address: string; family: string }>
  restartRequired: string[]
  overridden: string[]
}

type Editable = Omit<Settings, 'running' | 'addresses' | 'restartRequired' | 'overridden'>
export type SettingsPatch = {
  [K in keyof Editable]?: K extends 'limits'
    ? { enabled?: boolean; defaults?: Partial<Limits> }
    : Partial<Editable[K]>
}

export type Outcome = 'done' | 'client_aborted' | 'backend_error' | 'limited' | 'refused'

export interface RequestRecord {
  id?: number
  ts: number
  keyId: string | null
  keyName: string | null
  clientIp: string
  backend: string | null
  model: string | null
  method: string
  path: string
  status: number
  durationMs: number
  ttfbMs: number | null
  promptTokens: number | null
  completionTokens: number | null
  tokensPerSecond: number | null
  queued: boolean
  queueMs: number
  outcome: Outcome
}

export interface Aggregate {
  requests: number
  errors: number
  promptTokens: number
  completionTokens: number
  avgDurationMs: number | null
  avgTtfbMs: number | null
  avgTokensPerSecond: number | null
  queued: number
  avgQueueMs: number | null
  p50DurationMs?: number
  p95DurationMs?: number
}

export type BreakdownBy = 'key' | 'model' | 'backend'

export interface StatsSummary {
  range: { since: number; until: number }
  totals: Aggregate & { since: number; until: number; outcomes: Record<string, number> }
  breakdown: Array<Aggregate & { group: string; label: string; lastTs: number }>
}

export interface SeriesPoint {
  ts: number
  requests: number
  errors: number
  promptTokens: number
  completionTokens: number
  avgDurationMs: number | null
}

export interface StatsSeries {
  range: { since: number; until: number }
  bucketMs: number
  points: SeriesPoint[]
}

/** A model pull as `GET /control/pulls` lists it (newest first). */
export interface Pull {
  id: string
  model: string
  backendId: string
  /** The backend's name. */
  backend: string
  /** Ollama's last status line, e.g. "pulling 6a0746a1ec1a", "success". */
  status: string
  /** Bytes; 0 until Ollama reports sizes. */
  completed: number
  total: number
  error: string | null
  done: boolean
  startedAt: number
  finishedAt: number | null
}

export type LiveEvent =
  | { type: 'tick'; snapshot: LiveSnapshot }
  | { type: 'request'; record: RequestRecord }
  | { type: 'activity'; activity: Activity }

// --- The owner's controls (gateway/owner/schemas.ts) -------------------------------

export interface Pause {
  since: string
  /** When it ends by itself; null: until resumed. */
  until: string | null
  /** New requests wait in the queue instead of being refused. */
  queue: boolean
}

export interface KeyPause extends Pause {
  keyId: string
  keyName: string
}

export interface ActivityRow {
  keyId: string
  keyName: string
  own: boolean
  devices: Array<{ ip: string; userAgent: string | null }>
  models: string[]
  running: number
  queued: number
  startedAt: number
  runningMs: number
  tokensPerSecond: number | null
  paused: Pause | null
}

/** Who is using the GPU now (GET /control/activity/now, `event: activity`). */
export interface Activity {
  ts: number
  keys: ActivityRow[]
  paused: KeyPause[]
  everyone: Pause | null
  ownKeys: string[]
}

export interface PauseInput {
  /** `30m`, `2h`; null: until resumed. */
  for?: string | null
  queue?: boolean
}

// --- HTTPS and the network binding (gateway/tls, gateway/network) ------------------

export type TlsMode = 'off' | 'self-signed' | 'files'

export interface TlsSettings {
  mode: TlsMode
  certFile: string
  keyFile: string
  /** Plain HTTP next to HTTPS on this port; null: none. */
  plainPort: number | null
}

export interface CertificateInfo {
  /** SHA-256 of the DER, lowercase hex. */
  fingerprint: string
  spki: string
  subject: string
  notBefore: string
  notAfter: string
  dnsNames: string[]
  ipAddresses: string[]
  source: 'self-signed' | 'files'
}

export interface TlsStatus {
  mode: TlsMode
  scheme: 'https' | 'http'
  fingerprint: string | null
  certificate: CertificateInfo | null
  plainPort: number | null
  error: string | null
  warnings: string[]
}

export interface RememberedNetwork {
  id: string
  subnet: string
  gateway: string
  gatewayMac: string
  label: string
  addedAt: string
}

export interface NetworkState {
  bound: boolean
  current: {
    iface: string
    family: 'IPv4' | 'IPv6'
    address: string
    subnet: string
    gateway: string
    gatewayMac: string
    label: string
  } | null
  known: boolean
  paused: boolean
  reason: string | null
  remembered: RememberedNetwork[]
}
