import { Counter, Histogram, Registry, register as globalRegistry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { CounterSeries, HistogramSeries } from '../../gateway/stats/metric-series.js'
import { GatewayMetrics } from '../../gateway/stats/metrics.js'
import { rec } from './fixtures/records.js'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/**
 * A strict reader of the Prometheus text format (0.0.4): every sample must belong to a
 * family declared by `# TYPE` before it (histograms: `_bucket`, `_sum`, `_count`).
 */
function parseExposition(text: string) {
  const types = new Map<string, string>()
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue
    const type =
      /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line)
    if (type) {
      types.set(type[1]!, type[2]!)
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!m) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy
    for (const l of (m[2] ?? '').matchAll(labelPattern)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    const name = m[1]!
    const family = [name, name.replace(/_(bucket|sum|count)$/, '')].find((n) => types.has(n))
    if (family === undefined) throw new Error(`sample ${name} has no # TYPE`)
    if (family !== name && types.get(family) !== 'histogram') throw new Error(`stray ${name}`)
    samples.push({ name, labels, value: Number(m[3]) })
  }
  return { types, samples }
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value

describe('gateway metrics', () => {
  it('exposes the Go gateway names and Corral’s own under a custom namespace', async () => {
    const metrics = new GatewayMetrics({ namespace: 'corral' })
    metrics.observe(rec(), '/api/chat')
    metrics.setBackendHealth('local', true)
    const { types } = parseExposition(await metrics.render())
    expect(Object.fromEntries(types)).toEqual({
      corral_requests_total: 'counter',
      corral_requests_duration_seconds: 'histogram',
      corral_requests_by_ip_total: 'counter',
      corral_requests_success_total: 'counter',
      corral_requests_failure_total: 'counter',
      corral_apikeys_total: 'gauge',
      corral_api_keys_total: 'gauge',
      corral_ollama_servers_total: 'gauge',
      corral_tokens_total: 'counter',
      corral_time_to_first_byte_seconds: 'histogram',
      corral_requests_in_flight: 'gauge',
      corral_queue_depth: 'gauge',
      corral_backend_up: 'gauge',
    })
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/)
  })

  it('counts requests with the Go gateway’s labels: success below 400, failure from 400', async () => {
    const metrics = new GatewayMetrics({})
    metrics.observe(rec({ durationMs: 1500 }), '/api/chat')
    metrics.observe(rec({ durationMs: 500 }), '/api/chat')
    metrics.observe(
      rec({
        status: 429,
        outcome: 'limited',
        ttfbMs: null,
        promptTokens: null,
        completionTokens: null,
      }),
      '/api/chat',
    )
    metrics.observe(
      rec({
        method: 'GET',
        path: '/api/tags',
        status: 401,
        clientIp: '10.0.0.9',
        outcome: 'refused',
      }),
      '/api/tags',
    )
    const { samples } = parseExposition(await metrics.render())
    const chat = { method: 'POST', endpoint: '/api/chat' }
    expect(value(samples, 'gateway_requests_total', { ...chat, status: '200' })).toBe(2)
    expect(value(samples, 'gateway_requests_total', { ...chat, status: '429' })).toBe(1)
    expect(value(samples, 'gateway_requests_success_total', chat)).toBe(2)
    expect(value(samples, 'gateway_requests_failure_total', chat)).toBe(1)
    expect(
      value(samples, 'gateway_requests_failure_total', { method: 'GET', endpoint: '/api/tags' }),
    ).toBe(1)
    expect(
      value(samples, 'gateway_requests_by_ip_total', {
        ip: '192.168.1.20',
        endpoint: '/api/chat',
        status: '200',
      }),
    ).toBe(2)
    expect(
      value(samples, 'gateway_requests_by_ip_total', {
        ip: '10.0.0.9',
        endpoint: '/api/tags',
        status: '401',
      }),
    ).toBe(1)
    expect(value(samples, 'gateway_requests_duration_seconds_count', chat)).toBe(3)
    expect(value(samples, 'gateway_requests_duration_seconds_sum', chat)).toBeCloseTo(3)
    expect(value(samples, 'gateway_requests_duration_seconds_bucket', { ...chat, le: '1' })).toBe(2)
    expect(
      value(samples, 'gateway_requests_duration_seconds_bucket', { ...chat, le: '+Inf' }),
    ).toBe(3)
    expect(value(samples, 'gateway_tokens_total', { type: 'prompt', model: 'm1' })).toBe(30)
    expect(value(samples, 'gateway_tokens_total', { type: 'completion', model: 'm1' })).toBe(120)
    expect(
      value(samples, 'gateway_time_to_first_byte_seconds_count', { endpoint: '/api/chat' }),
    ).toBe(2)
  })

  it('reads in-flight and queue depth at scrape time and keeps gauges', async () => {
    const metrics = new GatewayMetrics({ namespace: 'gw' })
    let inFlight = 3
    metrics.setInFlight(() => inFlight)
    metrics.setQueueDepth(7)
    metrics.setKeys(4)
    metrics.setBackends(2)
    metrics.setBackendHealth('local', true)
    metrics.setBackendHealth('gpu-box', false)
    let { samples } = parseExposition(await metrics.render())
    expect(value(samples, 'gw_requests_in_flight')).toBe(3)
    expect(value(samples, 'gw_queue_depth')).toBe(7)
    expect(value(samples, 'gw_apikeys_total')).toBe(4)
    expect(value(samples, 'gw_ollama_servers_total')).toBe(2)
    expect(value(samples, 'gw_backend_up', { backend: 'gpu-box' })).toBe(0)
    inFlight = 1
    metrics.removeBackend('gpu-box')
    ;({ samples } = parseExposition(await metrics.render()))
    expect(value(samples, 'gw_requests_in_flight')).toBe(1)
    expect(value(samples, 'gw_backend_up', { backend: 'gpu-box' })).toBeUndefined()
  })

  it('rebuilds its registry under a new namespace, keeping gauges and restarting counters', async () => {
    const metrics = new GatewayMetrics({ namespace: 'gateway' })
    metrics.setKeys(5)
    metrics.setBackendHealth('local', true)
    metrics.observe(rec(), '/api/chat')
    metrics.setNamespace('ollama_gateway')
    metrics.observe(rec(), '/api/chat')
    const { types, samples } = parseExposition(await metrics.render())
    expect([...types.keys()].every((name) => name.startsWith('ollama_gateway_'))).toBe(true)
    expect(value(samples, 'ollama_gateway_apikeys_total')).toBe(5)
    expect(value(samples, 'ollama_gateway_backend_up', { backend: 'local' })).toBe(1)
    expect(value(samples, 'ollama_gateway_requests_total', { status: '200' })).toBe(1)
    expect(() => metrics.setNamespace('bad-name')).toThrow(TypeError)
    expect(metrics.namespace).toBe('ollama_gateway')
  })

  it('escapes odd label values and never touches prom-client’s global registry', async () => {
    const metrics = new GatewayMetrics({ namespace: 'gateway' })
    metrics.observe(rec({ model: 'we"ird\\model\nname' }), '/api/chat')
    const { samples } = parseExposition(await metrics.render())
    expect(
      value(samples, 'gateway_tokens_total', { type: 'prompt', model: 'we"ird\\model\nname' }),
    ).toBe(10)
    expect(globalRegistry.getSingleMetric('gateway_requests_total')).toBeUndefined()
  })

  /** Pins: the per-request series are Corral's own (prom-client's children hash their labels on every call); Prometheus must not see a difference. */
  it('writes its request series exactly as prom-client’s Counter and Histogram would', async () => {
    const ours = new Registry()
    const theirs = new Registry()
    const counter = new CounterSeries('x_total', 'Some "x"\\n', ['method', 'status'])
    const histogram = new HistogramSeries('y_seconds', 'Some y', ['endpoint'], [0.1, 1, 5])
    counter.registerIn(ours)
    histogram.registerIn(ours)
    const promCounter = new Counter({
      name: 'x_total',
      help: 'Some "x"\\n',
      labelNames: ['method', 'status'],
      registers: [theirs],
    })
    const promHistogram = new Histogram({
      name: 'y_seconds',
      help: 'Some y',
      labelNames: ['endpoint'],
      buckets: [0.1, 1, 5],
      registers: [theirs],
    })
    const observations: Array<[string, string, string, number]> = [
      ['POST', '200', '/a', 0.05],
      ['GET', '401', '/b', 2],
      ['POST', '200', '/a', 7],
      ['PUT', '5"0\n0', 'we"ird\\', 1],
      ['POST', '200', '/a', 0.1],
    ]
    for (const [method, status, endpoint, seconds] of observations) {
      counter.labels(method, status).inc()
      promCounter.labels(method, status).inc()
      histogram.labels(endpoint).observe(seconds)
      promHistogram.labels(endpoint).observe(seconds)
    }
    counter.labels('GET', '401').inc(2.5)
    promCounter.labels('GET', '401').inc(2.5)
    expect(await ours.metrics()).toBe(await theirs.metrics())
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON())
  })
})
