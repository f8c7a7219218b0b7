// Small SVG charts in fixed-size boxes: new data redraws the lines, never the layout.

/** Area + line of the last `capacity` values; missing older values read as zero. */
export function Sparkline({
  values,
  capacity = 60,
  width = 140,
  height = 36,
  label,
  tone = 'accent',
}: {
  values: readonly number[]
  capacity?: number
  width?: number
  height?: number
  label: string
  tone?: 'accent' | 'warning' | 'info'
}) {
  const padded = [
    ...Array(Math.max(0, capacity - values.length)).fill(0),
    ...values.slice(-capacity),
  ]
  const top = Math.max(...padded, 0) || 1
  const step = width / Math.max(1, capacity - 1)
  const y = (v: number) => height - 1 - (Math.max(0, v) / top) * (height - 4)
  const line = padded.map(
    (v, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${y(v).toFixed(1)}`,
  )
  const area = `${line.join(' ')} L${width},${height} L0,${height} Z`
  return (
    <svg
      className={`spark spark-${tone}`}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={label}
      preserveAspectRatio="none"
    >
      <path className="spark-area" d={area} />
      <path className="spark-line" d={line.join(' ')} />
    </svg>
  )
}

export interface BarPoint {
  ts: number
  value: number
  /** Part of `value` drawn in the error colour (stacked at the bottom). */
  errors?: number
}

/**
 * Columns over a time range, one per bucket (buckets with no data are zero). Sized by
 * its container's width through the viewBox; its height is fixed.
 */
export function BarChart({
  points,
  since,
  until,
  bucketMs,
  height = 140,
  label,
  formatTick,
}: {
  points: readonly BarPoint[]
  since: number
  until: number
  bucketMs: number
  height?: number
  label: string
  formatTick: (ts: number) => string
}) {
  const first = Math.floor(since / bucketMs) * bucketMs
  const count = Math.max(1, Math.ceil((until - first) / bucketMs))
  const byBucket = new Map(points.map((p) => [Math.floor(p.ts / bucketMs) * bucketMs, p]))
  const buckets = Array.from({ length: count }, (_, i) => byBucket.get(first + i * bucketMs))
  const top = Math.max(1, ...buckets.map((b) => b?.value ?? 0))
  const width = 600
  const slot = width / count
  const gap = slot > 4 ? Math.min(2, slot * 0.2) : 0
  const scale = (v: number) => (v / top) * (height - 6)
  const ticks = [first, first + (count * bucketMs) / 2, first + count * bucketMs]
  return (
    <figure className="bar-chart" aria-label={label} role="group">
      <div className="bar-chart-plot" style={{ height }}>
        <span className="bar-chart-max">{Math.round(top)}</span>
        <svg
          width="100%"
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`${label}: ${points.reduce((a, p) => a + p.value, 0)} in total`}
        >
          <line className="bar-chart-grid" x1="0" x2={width} y1={height - 0.5} y2={height - 0.5} />
          <line className="bar-chart-grid" x1="0" x2={width} y1={5.5} y2={5.5} />
          {buckets.map((b, i) => {
            if (!b || b.value <= 0) return null
            const h = scale(b.value)
            const e = scale(Math.min(b.errors ?? 0, b.value))
            const x = i * slot + gap / 2
            const w = Math.max(0.5, slot - gap)
            return (
              <g key={i}>
                <rect className="bar" x={x} y={height - h} width={w} height={h - e} />
                {e > 0 ? (
                  <rect className="bar-error" x={x} y={height - e} width={w} height={e} />
                ) : null}
              </g>
            )
          })}
        </svg>
      </div>
      <div className="bar-chart-axis" aria-hidden="true">
        {ticks.map((t, i) => (
          <span key={i}>{formatTick(t)}</span>
        ))}
      </div>
    </figure>
  )
}

/** A horizontal meter (share of a total) for breakdown tables. */
export function Meter({ value, max, label }: { value: number; max: number; label: string }) {
  const pct = max > 0 ? Math.min(100, (value / max) * 100) : 0
  return (
    <span className="meter" role="img" aria-label={label}>
      <span className="meter-fill" style={{ width: `${pct}%` }} />
    </span>
  )
}

/** A progress bar; `value` null means "working, size unknown". */
export function Progress({
  value,
  max,
  label,
}: {
  value: number | null
  max: number | null
  label: string
}) {
  const known = value !== null && max !== null && max > 0
  const pct = known ? Math.min(100, Math.round((value / max) * 100)) : 0
  return (
    <div
      className={`progress ${known ? '' : 'progress-indeterminate'}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={known ? pct : undefined}
    >
      <div className="progress-fill" style={{ width: known ? `${pct}%` : undefined }} />
    </div>
  )
}
