// Samples, percentiles and medians for the benchmark.

/** A growable list of float samples (latencies in ms), cheap to append to and to sort. */
export class Samples {
  #data = new Float64Array(1024)
  #n = 0

  push(v) {
    if (this.#n === this.#data.length) {
      const next = new Float64Array(this.#data.length * 2)
      next.set(this.#data)
      this.#data = next
    }
    this.#data[this.#n++] = v
  }

  get length() {
    return this.#n
  }

  /** n, p50, p90, p99, max, mean (NaN when empty). */
  summary() {
    const s = this.#data.slice(0, this.#n).sort()
    const n = s.length
    let sum = 0
    for (let i = 0; i < n; i++) sum += s[i]
    return {
      n,
      p50: quantile(s, 0.5),
      p90: quantile(s, 0.9),
      p99: quantile(s, 0.99),
      max: n ? s[n - 1] : NaN,
      mean: n ? sum / n : NaN,
    }
  }
}

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted, q) {
  const n = sorted.length
  if (n === 0) return NaN
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]
}

/** Median of numbers, ignoring NaN; NaN when none. */
export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** A number for a table cell. */
export function fmt(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '-'
  if (!Number.isFinite(v)) return String(v)
  if (Math.abs(v) >= 1000) return Math.round(v).toString()
  return v.toFixed(digits)
}

/** A plain-text table: `rows` are arrays of cells; the first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)))
  const line = (r) =>
    r
      .map((c, i) =>
        String(c ?? '')
          .padStart(i === 0 ? 0 : widths[i])
          .padEnd(i === 0 ? widths[i] : 0),
      )
      .join('  ')
  return [
    line(rows[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n')
}
