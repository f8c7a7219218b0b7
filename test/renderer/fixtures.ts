// Realistic control API payloads for component tests.
import type {
  Backend,
  KeyView,
  LiveSnapshot,
  RequestRecord,
  Settings,
} from '../../renderer/src/api/types.js'

export const NOW = Date.now()

export function liveSnapshot(over: Partial<LiveSnapshot> = {}): LiveSnapshot {
  return { inFlight: 0, rps: 0, tps: 0, eps: 0, queueDepth: 0, ts: NOW, ...over }
}

export function backend(over: Partial<Backend> = {}): Backend {
  return {
    id: 'local',
    name: 'This computer',
    url: 'http://127.0.0.1:11434',
    source: 'local',
    enabled: true,
    weight: 1,
    capacity: 4,
    hasKey: false,
    state: 'up',
    latencyMs: 12,
    lastError: null,
    lastCheckedAt: NOW - 2000,
    version: '0.12.6',
    advisories: [],
    acceptVulnerable: false,
    models: ['llama3.2:latest', 'qwen2.5:0.5b'],
    loaded: ['llama3.2:latest'],
    inFlight: 0,
    readOnly: false,
    effectiveCapacity: 4,
    queued: 0,
    full: false,
    ...over,
  }
}

export function keyView(over: Partial<KeyView> = {}): KeyView {
  return {
    id: 'k1',
    name: 'alice',
    prefix: 'crl_AbCd',
    scopes: ['inference'],
    models: [],
    limits: {},
    createdAt: new Date(NOW - 86_400_000).toISOString(),
    expiresAt: null,
    revokedAt: null,
    source: 'created',
    guest: false,
    subnet: null,
    options: {},
    keepAliveMaxSeconds: null,
    lastUsedAt: NOW - 5 * 60_000,
    usageToday: { requests: 42, tokens: 12_345 },
    active: true,
    ...over,
  }
}

export function record(over: Partial<RequestRecord> = {}): RequestRecord {
  return {
    ts: NOW - 1000,
    keyId: 'k1',
    keyName: 'alice',
    clientIp: '192.168.1.20',
    backend: 'This computer',
    model: 'llama3.2:latest',
    method: 'POST',
    path: '/api/chat',
    status: 200,
    durationMs: 840,
    ttfbMs: 120,
    promptTokens: 12,
    completionTokens: 30,
    tokensPerSecond: 41.6,
    queued: false,
    queueMs: 0,
    outcome: 'done',
    ...over,
  }
}

export function defaultSettings(): Settings {
  return {
    server: {
      host: '0.0.0.0',
      port: 11435,
      controlPort: 11436,
      basePath: '',
      tls: { mode: 'off', certFile: '', keyFile: '', plainPort: null },
    },
    discovery: { mdns: true, name: 'studio' },
    stats: { enabled: true, retentionDays: 7, rollupRetentionDays: 90 },
    limits: {
      enabled: true,
      defaults: {
        requests: null,
        windowSeconds: 60,
        tokensPerMinute: null,
        concurrency: null,
        maxOutputTokens: null,
      },
    },
    queue: { maxQueuedPerKey: 64, maxWaitMs: 300_000, localPriority: false },
    desktop: { startAtLogin: false },
    notifications: { newDevice: true, backendDown: true },
    network: { bound: null },
    running: {
      version: '0.1.0',
      controlPort: 11436,
      sharing: true,
      gatewayUrls: ['http://192.168.1.5:11435'],
    },
    addresses: [
      { name: 'lo', address: '127.0.0.1', family: 'IPv4' },
      { name: 'wlan0', address: '192.168.1.5', family: 'IPv4' },
    ],
    restartRequired: [],
    overridden: [],
  }
}
