// Counters and histograms for the per-request metrics, one plain object per label set, so
// that counting a request is a lookup and a few additions. prom-client's own children hash
// and check their labels on every inc() and observe() (several µs a request, for the eight
// series a request touches). These plug into a prom-client Registry, which formats them
// exactly as it formats its Counter and Histogram: they answer get() and getForPromString()
// with the same values (test/stats/metrics.test.ts holds the text to prom-client's).
import type { Metric, Registry } from 'prom-client'

type Labels = Record<string, string | number>

interface Value {
  value: number
  labels: Labels
  sharedLabels?: Labels
  metricName?: string
  exemplar?: null
}

interface MetricData {
  name: string
  help: string
  type: 'counter' | 'histogram'
  aggregator: 'sum'
  values: Value[]
}

abstract class Series<Child extends { labels: Labels }> {
  readonly aggregator = 'sum' as const
  protected readonly children = new Map<string, Child>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  /** The series for these label values (in the order of the label names), made on first use. */
  labels(...values: string[]): Child {
    const id = values.join('\u0000')
    let child = this.children.get(id)
    if (child === undefined) {
      const labels = Object.fromEntries(this.labelNames.map((name, i) => [name, values[i] ?? '']))
      child = this.create(labels)
      this.children.set(id, child)
    }
    return child
  }

  /** Adds this to a registry, where prom-client's metrics go (it reads only what is here). */
  registerIn(registry: Registry): void {
    registry.registerMetric(this as unknown as Metric)
  }

  reset(): void {
    this.children.clear()
  }

  protected abstract create(labels: Labels): Child
}

export class CounterChild {
  value = 0
  constructor(readonly labels: Labels) {}

  /** Adds `by` (a finite number above 0; anything else is ignored, as no counter goes down). */
  inc(by = 1): void {
    if (by > 0 && by !== Infinity) this.value += by
  }
}

export class CounterSeries extends Series<CounterChild> {
  readonly type = 'counter' as const

  get(): Promise<MetricData> {
    const values = [...this.children.values()].map((c) => ({ value: c.value, labels: c.labels }))
    const { name, help, type, aggregator } = this
    return Promise.resolve({ name, help, type, aggregator, values })
  }

  protected create(labels: Labels): CounterChild {
    return new CounterChild(labels)
  }
}

export class HistogramChild {
  /** Observations per bucket (not cumulative); those above the last bound count only in `count`. */
  readonly counts: number[]
  sum = 0
  count = 0

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = bounds.map(() => 0)
  }

  /** Counts one observation; one that is not a finite number is ignored. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return
    const bounds = this.bounds
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++
        break
      }
    }
    this.sum += value
    this.count++
  }
}

export class HistogramSeries extends Series<HistogramChild> {
  readonly type = 'histogram' as const
  private readonly bounds: readonly number[]

  constructor(name: string, help: string, labelNames: readonly string[], buckets: number[]) {
    super(name, help, labelNames)
    this.bounds = [...buckets].sort((a, b) => a - b)
  }

  /** What Registry#metrics() reads: bucket labels apart from the series' own. */
  getForPromString(): Promise<MetricData> {
    const values: Value[] = []
    const bucket = `${this.name}_bucket`
    for (const child of this.children.values()) {
      const shared = child.labels
      let cumulative = 0
      this.bounds.forEach((le, i) => {
        cumulative += child.counts[i]!
        values.push(pair({ le }, cumulative, bucket, shared, null))
      })
      values.push(pair({ le: '+Inf' }, child.count, bucket, shared, null))
      values.push(pair({}, child.sum, `${this.name}_sum`, shared))
      values.push(pair({}, child.count, `${this.name}_count`, shared))
    }
    const { name, help, type, aggregator } = this
    return Promise.resolve({ name, help, type, aggregator, values })
  }

  /** What Registry#getMetricsAsJSON() reads: the same values, each with all its labels. */
  async get(): Promise<MetricData> {
    const data = await this.getForPromString()
    data.values = data.values.map(({ sharedLabels, labels, ...rest }) => ({
      ...rest,
      labels: { ...labels, ...sharedLabels },
    }))
    return data
  }

  protected create(labels: Labels): HistogramChild {
    return new HistogramChild(labels, this.bounds)
  }
}

/** A value as prom-client's Histogram builds it (setValuePair), key order included. */
function pair(
  labels: Labels,
  value: number,
  metricName: string,
  sharedLabels: Labels,
  exemplar?: null,
): Value {
  return { labels, sharedLabels, value, metricName, exemplar }
}
