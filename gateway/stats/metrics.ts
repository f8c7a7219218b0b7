// Prometheus metrics for the gateway's `/metrics`, on a registry of our own (never
// prom-client's global one). The first seven names are those of the Go
// "ollama-gateway", under the same configurable namespace, so dashboards built for it
// keep working; the rest are Corral's own. The series a request touches are metric-series.ts's
// (a request costs lookups and additions); the gauges are prom-client's.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import {
  CounterSeries,
  HistogramSeries,
  type CounterChild,
  type HistogramChild,
} from './metric-series.js'
import type { RequestRecord } from './record.js'

/** prometheus.DefBuckets (what the Go gateway used), plus the long tail of generation. */
const DURATION_BUCKETS_S = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
]
const TTFB_BUCKETS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
const NAMESPACE_PATTERN = /^([a-zA-Z_][a-zA-Z0-9_]*)?$/

export interface GatewayMetricsOptions {
  /** Prefix of every name, joined with `_`; '' for none. Default `gateway`. */
  namespace?: string
  /** Also export Node's process metrics (`<ns>_process_*`, `<ns>_nodejs_*`). */
  defaultMetrics?: boolean
}

/** The series one kind of request adds to: found by method, endpoint and status. */
interface RequestChildren {
  total: CounterChild
  duration: HistogramChild
  outcome: CounterChild
}

/** `a → b → c → value`: lookups by the values themselves, with no key string built per request. */
type Tree<C extends string | number, V> = Map<string, Map<string, Map<C, V>>>

function branch<C extends string | number, V>(tree: Tree<C, V>, a: string, b: string) {
  let byA = tree.get(a)
  if (byA === undefined) tree.set(a, (byA = new Map()))
  let byB = byA.get(b)
  if (byB === undefined) byA.set(b, (byB = new Map()))
  return byB
}

interface MetricSet {
  registry: Registry
  requests: CounterSeries
  duration: HistogramSeries
  byIp: CounterSeries
  success: CounterSeries
  failure: CounterSeries
  apiKeys: Gauge
  apiKeysAlias: Gauge
  servers: Gauge
  tokens: CounterSeries
  ttfb: HistogramSeries
  backendUp: Gauge<'backend'>
}

type NumberSource = number | (() => number)

export class GatewayMetrics {
  private set!: MetricSet
  private ns = ''
  private readonly defaultMetrics: boolean
  private readonly requestChildren: Tree<number, RequestChildren> = new Map()
  private readonly ipChildren: Tree<number, CounterChild> = new Map()
  private readonly tokenChildren = new Map<
    string,
    { prompt: CounterChild; completion: CounterChild }
  >()
  private readonly ttfbChildren = new Map<string, HistogramChild>()
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
    const { method, status, clientIp } = record
    const byStatus = branch(this.requestChildren, method, endpoint)
    let children = byStatus.get(status)
    if (children === undefined) {
      const m = this.set
      children = {
        total: m.requests.labels(method, endpoint, String(status)),
        duration: m.duration.labels(method, endpoint),
        outcome: (status >= 400 ? m.failure : m.success).labels(method, endpoint),
      }
      byStatus.set(status, children)
    }
    children.total.inc()
    children.duration.observe(record.durationMs / 1000)
    children.outcome.inc()

    const ipByStatus = branch(this.ipChildren, clientIp, endpoint)
    let ip = ipByStatus.get(status)
    if (ip === undefined) {
      ip = this.set.byIp.labels(clientIp, endpoint, String(status))
      ipByStatus.set(status, ip)
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
    // Registered in this order, which is the order of the exposition.
    const add = <T extends CounterSeries | HistogramSeries>(series: T): T => {
      series.registerIn(registry)
      return series
    }
    const gauge = (name: string, help: string) =>
      new Gauge({ name: `${prefix}${name}`, help, registers })
    return {
      registry,
      requests: add(
        new CounterSeries(
          `${prefix}requests_total`,
          'Total number of HTTP requests made to the gateway',
          ['method', 'endpoint', 'status'],
        ),
      ),
      duration: add(
        new HistogramSeries(
          `${prefix}requests_duration_seconds`,
          'Histogram of latencies for HTTP requests',
          ['method', 'endpoint'],
          DURATION_BUCKETS_S,
        ),
      ),
      byIp: add(
        new CounterSeries(
          `${prefix}requests_by_ip_total`,
          'Total number of HTTP requests grouped by IP address',
          ['ip', 'endpoint', 'status'],
        ),
      ),
      success: add(
        new CounterSeries(
          `${prefix}requests_success_total`,
          'Total number of successful HTTP requests (status < 400)',
          ['method', 'endpoint'],
        ),
      ),
      failure: add(
        new CounterSeries(
          `${prefix}requests_failure_total`,
          'Total number of failed HTTP requests (status >= 400)',
          ['method', 'endpoint'],
        ),
      ),
      apiKeys: gauge('apikeys_total', 'Number of active API keys'),
      apiKeysAlias: gauge(
        'api_keys_total',
        'Number of active API keys (the name some Go gateway releases used)',
      ),
      servers: gauge('ollama_servers_total', 'Number of configured Ollama servers'),
      tokens: add(
        new CounterSeries(
          `${prefix}tokens_total`,
          'Tokens processed, by type (prompt or completion) and model',
          ['type', 'model'],
        ),
      ),
      ttfb: add(
        new HistogramSeries(
          `${prefix}time_to_first_byte_seconds`,
          'Time from the request to the first byte of the response body',
          ['endpoint'],
          TTFB_BUCKETS_S,
        ),
      ),
      backendUp: new Gauge({
        name: `${prefix}backend_up`,
        help: 'Whether a backend passes its health check (1) or not (0)',
        labelNames: ['backend'],
        registers,
      }),
    }
  }

  private ttfbChild(endpoint: string): HistogramChild {
    let child = this.ttfbChildren.get(endpoint)
    if (child === undefined) {
      child = this.set.ttfb.labels(endpoint)
      this.ttfbChildren.set(endpoint, child)
    }
    return child
  }

  private tokenChild(model: string): { prompt: CounterChild; completion: CounterChild } {
    let child = this.tokenChildren.get(model)
    if (child === undefined) {
      child = {
        prompt: this.set.tokens.labels('prompt', model),
        completion: this.set.tokens.labels('completion', model),
      }
      this.tokenChildren.set(model, child)
    }
    return child
  }
}
