// Prometheus metrics for the gateway's `/metrics`, on a registry of our own (never
// prom-client's global one). The first seven names are those of the Go
// "ollama-gateway", under the same configurable namespace, so dashboards built for it
// keep working; the rest are Corral's own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { RequestRecord } from './record.js'

/** prometheus.DefBuckets (what the Go gateway used), plus the long tail of generation. */
const DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
]
const TTFB_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
const NAMESPACE_PATTERN = /^([a-zA-Z_][a-zA-Z0-9_]*)?$/
/** Past this many cached label sets the cache is emptied (prom-client keeps the series). */
const MAX_CACHED_CHILDREN = 10_000

export interface GatewayMetricsOptions {
  /** Prefix of every name, joined with `_`; '' for none. Default `gateway`. */
  namespace?: string
  /** Also export Node's process metrics (`<ns>_process_*`, `<ns>_nodejs_*`). */
  defaultMetrics?: boolean
}

interface Inc {
  inc(value?: number): void
}
interface Observe {
  observe(value: number): void
}
interface RequestChildren {
  total: Inc
  duration: Observe
  outcome: Inc
}

interface MetricSet {
  registry: Registry
  requests: Counter<'method' | 'endpoint' | 'status'>
  duration: Histogram<'method' | 'endpoint'>
  byIp: Counter<'ip' | 'endpoint' | 'status'>
  success: Counter<'method' | 'endpoint'>
  failure: Counter<'method' | 'endpoint'>
  apiKeys: Gauge
  apiKeysAlias: Gauge
  servers: Gauge
  tokens: Counter<'type' | 'model'>
  ttfb: Histogram<'endpoint'>
  backendUp: Gauge<'backend'>
}

type NumberSource = number | (() => number)

export class GatewayMetrics {
  private set!: MetricSet
  private ns = ''
  private readonly defaultMetrics: boolean
  private readonly requestChildren = new Map<string, RequestChildren>()
  private readonly ipChildren = new Map<string, Inc>()
  private readonly tokenChildren = new Map<string, { prompt: Inc; completion: Inc }>()
  private readonly ttfbChildren = new Map<string, Observe>()
  private keys = 0
  private backends = 0
  private readonly backendHealth = new Map<string, boolean>()
  private inFlight: NumberSource = 0
  private queueDepth: NumberSource = 0

  constructor(opts: GatewayMetricsOptions = {}) {
    this.defaultMetrics = opts.defaultMetrics ?? false
    this.setNamespace(opts.namespace ?? 'gateway')
  }

  get namespace(): string {
    return this.ns
  }

  get registry(): Registry {
    return this.set.registry
  }

  get contentType(): string {
    return this.set.registry.contentType
  }

  /**
   * Counts one finished request. `endpoint` must be the route's path from the route
   * table (not the raw URL) to keep the label's values few. Success is status < 400,
   * failure ≥ 400 (the Go gateway counted only 2xx as success; 1xx/3xx do not occur here).
   */
  observe(record: RequestRecord, endpoint: string): void {
    const status = String(record.status)
    const failed = record.status >= 400
    const id = `${record.method}\u0000${endpoint}\u0000${status}`
    let children = this.requestChildren.get(id)
    if (children === undefined) {
      const m = this.set
      children = {
        total: m.requests.labels(record.method, endpoint, status),
        duration: m.duration.labels(record.method, endpoint),
        outcome: (failed ? m.failure : m.success).labels(record.method, endpoint),
      }
      this.cache(this.requestChildren, id, children)
    }
    children.total.inc()
    children.duration.observe(record.durationMs / 1000)
    children.outcome.inc()

    const ipId = `${record.clientIp}\u0000${endpoint}\u0000${status}`
    let ip = this.ipChildren.get(ipId)
    if (ip === undefined) {
      ip = this.set.byIp.labels(record.clientIp, endpoint, status)
      this.cache(this.ipChildren, ipId, ip)
    }
    ip.inc()

    if (record.ttfbMs !== null) this.ttfbChild(endpoint).observe(record.ttfbMs / 1000)
    const prompt = record.promptTokens ?? 0
    const completion = record.completionTokens ?? 0
    if (prompt > 0 || completion > 0) {
      const tokens = this.tokenChild(record.model ?? '')
      if (prompt > 0) tokens.prompt.inc(prompt)
      if (completion > 0) tokens.completion.inc(completion)
    }
  }

  /** Number of active API keys (`_apikeys_total`). */
  setKeys(n: number): void {
    this.keys = n
    this.set.apiKeys.set(n)
    this.set.apiKeysAlias.set(n)
  }

  /** Number of configured backends (`_ollama_servers_total`). */
  setBackends(n: number): void {
    this.backends = n
    this.set.servers.set(n)
  }

  setBackendHealth(name: string, up: boolean): void {
    this.backendHealth.set(name, up)
    this.set.backendUp.labels(name).set(up ? 1 : 0)
  }

  /** Drops a removed backend's `_backend_up` series. */
  removeBackend(name: string): void {
    this.backendHealth.delete(name)
    this.set.backendUp.remove(name)
  }

  /** Requests in flight: a number, or a function read at each scrape. */
  setInFlight(source: NumberSource): void {
    this.inFlight = source
  }

  /** Requests waiting in the fair queue: a number, or a function read at each scrape. */
  setQueueDepth(source: NumberSource): void {
    this.queueDepth = source
  }

  /**
   * Changes the prefix. The registry is rebuilt: counters and histograms start again
   * from zero (Prometheus' rate() copes with resets); gauges keep their values.
   */
  setNamespace(namespace: string): void {
    if (!NAMESPACE_PATTERN.test(namespace)) {
      throw new TypeError(`invalid metrics namespace ${JSON.stringify(namespace)}`)
    }
    if (this.set !== undefined && namespace === this.ns) return
    this.ns = namespace
    this.requestChildren.clear()
    this.ipChildren.clear()
    this.tokenChildren.clear()
    this.ttfbChildren.clear()
    this.set = this.build(namespace === '' ? '' : `${namespace}_`)
    this.setKeys(this.keys)
    this.setBackends(this.backends)
    for (const [name, up] of this.backendHealth) this.setBackendHealth(name, up)
  }

  /** The exposition text for a scrape. */
  render(): Promise<string> {
    return this.set.registry.metrics()
  }

  private build(prefix: string): MetricSet {
    const registry = new Registry()
    const registers = [registry]
    const read = (source: NumberSource): number => {
      try {
        return typeof source === 'function' ? source() : source
      } catch {
        return 0
      }
    }
    const inFlight: Gauge = new Gauge({
      name: `${prefix}requests_in_flight`,
      help: 'Requests being handled now',
      registers,
      collect: () => inFlight.set(read(this.inFlight)),
    })
    const queueDepth: Gauge = new Gauge({
      name: `${prefix}queue_depth`,
      help: 'Requests waiting in the fair queue',
      registers,
      collect: () => queueDepth.set(read(this.queueDepth)),
    })
    if (this.defaultMetrics) collectDefaultMetrics({ register: registry, prefix })
    return {
      registry,
      requests: new Counter({
        name: `${prefix}requests_total`,
        help: 'Total number of HTTP requests made to the gateway',
        labelNames: ['method', 'endpoint', 'status'],
        registers,
      }),
      duration: new Histogram({
        name: `${prefix}requests_duration_seconds`,
        help: 'Histogram of latencies for HTTP requests',
        labelNames: ['method', 'endpoint'],
        buckets: DURATION_BUCKETS_S,
        registers,
      }),
      byIp: new Counter({
        name: `${prefix}requests_by_ip_total`,
        help: 'Total number of HTTP requests grouped by IP address',
        labelNames: ['ip', 'endpoint', 'status'],
        registers,
      }),
      success: new Counter({
        name: `${prefix}requests_success_total`,
        help: 'Total number of successful HTTP requests (status < 400)',
        labelNames: ['method', 'endpoint'],
        registers,
      }),
      failure: new Counter({
        name: `${prefix}requests_failure_total`,
        help: 'Total number of failed HTTP requests (status >= 400)',
        labelNames: ['method', 'endpoint'],
        registers,
      }),
      apiKeys: new Gauge({
        name: `${prefix}apikeys_total`,
        help: 'Number of active API keys',
        registers,
      }),
      apiKeysAlias: new Gauge({
        name: `${prefix}api_keys_total`,
        help: 'Number of active API keys (the name some Go gateway releases used)',
        registers,
      }),
      servers: new Gauge({
        name: `${prefix}ollama_servers_total`,
        help: 'Number of configured Ollama servers',
        registers,
      }),
      tokens: new Counter({
        name: `${prefix}tokens_total`,
        help: 'Tokens processed, by type (prompt or completion) and model',
        labelNames: ['type', 'model'],
        registers,
      }),
      ttfb: new Histogram({
        name: `${prefix}time_to_first_byte_seconds`,
        help: 'Time from the request to the first byte of the response body',
        labelNames: ['endpoint'],
        buckets: TTFB_BUCKETS_S,
        registers,
      }),
      backendUp: new Gauge({
        name: `${prefix}backend_up`,
        help: 'Whether a backend passes its health check (1) or not (0)',
        labelNames: ['backend'],
        registers,
      }),
    }
  }

  private ttfbChild(endpoint: string): Observe {
    let child = this.ttfbChildren.get(endpoint)
    if (child === undefined) {
      child = this.set.ttfb.labels(endpoint)
      this.cache(this.ttfbChildren, endpoint, child)
    }
    return child
  }

  private tokenChild(model: string): { prompt: Inc; completion: Inc } {
    let child = this.tokenChildren.get(model)
    if (child === undefined) {
      child = {
        prompt: this.set.tokens.labels('prompt', model),
        completion: this.set.tokens.labels('completion', model),
      }
      this.cache(this.tokenChildren, model, child)
    }
    return child
  }

  private cache<T>(map: Map<string, T>, id: string, value: T): void {
    if (map.size >= MAX_CACHED_CHILDREN) map.clear()
    map.set(id, value)
  }
}
