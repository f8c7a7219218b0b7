// `keep_alive` as Ollama reads it (api.Duration): a number is seconds, a string is a Go
// duration (`5m`, `1h30m`, `300ms`, `-1s`); anything negative means "keep it loaded forever".

/** Ollama's own keep_alive when a request names none (without OLLAMA_KEEP_ALIVE). */
export const OLLAMA_DEFAULT_KEEP_ALIVE_SECONDS = 300

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
}
const GO_DURATION = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/
const PART = /(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g

/** A Go duration (`time.ParseDuration`) in seconds, or null when Go would not read it. */
export function parseGoDuration(text: string): number | null {
  if (text === '0' || text === '+0' || text === '-0') return 0
  const m = GO_DURATION.exec(text)
  if (!m) return null
  let seconds = 0
  for (const part of m[2]!.matchAll(PART)) seconds += Number(part[1]) * UNIT_SECONDS[part[2]!]!
  return m[1] === '-' ? -seconds : seconds
}

/**
 * How long a request's keep_alive asks the model to stay loaded, in seconds: Infinity for
 * "forever" (any negative value), null when the request names none (absent or null), NaN when
 * it cannot be read.
 */
export function keepAliveSeconds(value: unknown): number | null {
  if (value === undefined || value === null) return null
  let seconds: number | null
  if (typeof value === 'number') seconds = Number.isFinite(value) ? Math.trunc(value) : NaN
  else if (typeof value === 'string') seconds = parseGoDuration(value.trim())
  else seconds = NaN
  if (seconds === null || Number.isNaN(seconds)) return NaN
  return seconds < 0 ? Infinity : seconds
}

/**
 * The owner's `--keep-alive-max`: `30m`, `1h`, `90s`, `1h30m`, or plain seconds. Returns whole
 * seconds; throws a message for people on anything else, negative values included.
 */
export function parseKeepAliveMax(input: string | number): number {
  const text = String(input).trim()
  if (text.startsWith('-')) {
    throw new Error(`"${text.slice(0, 40)}" is negative: a keep-alive cap is 0 or more`)
  }
  const seconds = /^\d+$/.test(text) ? Number(text) : parseGoDuration(text)
  if (seconds === null) {
    throw new Error(`cannot read "${text.slice(0, 40)}" as a duration (30m, 1h, 90s)`)
  }
  return Math.floor(seconds)
}
