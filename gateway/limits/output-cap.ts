// The `maxOutputTokens` limit: rewrite the request body so the backend cannot generate more.

type Body = Record<string, unknown>

/** Where each API keeps its output ceiling. */
type CapStyle = 'ollama' | 'openai-chat' | 'openai-completions' | 'openai-responses' | 'anthropic'

const PATH_STYLES: readonly (readonly [suffix: string, style: CapStyle])[] = [
  ['/api/generate', 'ollama'],
  ['/api/chat', 'ollama'],
  ['/v1/chat/completions', 'openai-chat'],
  ['/v1/completions', 'openai-completions'],
  ['/v1/responses', 'openai-responses'],
  ['/v1/messages', 'anthropic'],
]

/** Paths seen so far (the route table's, under the base path): looked up once each. */
const styles = new Map<string, CapStyle | null>()

function styleFor(path: string): CapStyle | null {
  let style = styles.get(path)
  if (style === undefined) {
    style = findStyle(path)
    if (styles.size >= 256) styles.clear()
    styles.set(path, style)
  }
  return style
}

function findStyle(path: string): CapStyle | null {
  let bare = path.split('?', 1)[0] ?? ''
  while (bare.length > 1 && bare.endsWith('/')) bare = bare.slice(0, -1)
  // Suffix match, so the same paths under a configured base path (`/ollama/api/chat`) count.
  for (const [suffix, style] of PATH_STYLES) if (bare.endsWith(suffix)) return style
  return null
}

function isPlainObject(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Whether `value` already keeps generation within `cap`. Ollama reads 0, -1 (no limit) and -2
 * (fill the context) as "unbounded", and the OpenAI-compatible layer passes `max_tokens`
 * straight into `num_predict`, so only a number in 1..cap is within the cap.
 */
function withinCap(value: unknown, cap: number): boolean {
  // A fraction (50.5) is within too: Ollama reads it as its whole part (api.Options FromMap),
  // and the OpenAI layer refuses it; raising it to the cap would raise the client's limit.
  return typeof value === 'number' && value >= 1 && value <= cap
}

/** Sets `body[field]` to `cap` unless it is already within the cap; says whether it changed. */
function capField(body: Body, field: string, cap: number): boolean {
  if (withinCap(body[field], cap)) return false
  body[field] = cap
  return true
}

/** Lowers `body[field]` only when the client sent it. */
function capFieldIfPresent(body: Body, field: string, cap: number): boolean {
  return field in body && body[field] !== undefined ? capField(body, field, cap) : false
}

/**
 * Mutates a parsed request body so the generation cannot exceed `cap` tokens:
 * - `/api/generate`, `/api/chat`: `options.num_predict` (creating `options` when missing);
 * - `/v1/chat/completions`: `max_tokens`, and `max_completion_tokens` when present;
 * - `/v1/completions`, `/v1/messages`: `max_tokens`;
 * - `/v1/responses`: `max_output_tokens`.
 * A value that is missing, not a whole number, below 1 (Ollama's -1/-2/0 mean "no limit") or
 * above `cap` is set to `cap`. Other paths are left alone. Returns whether anything changed.
 */
export function capOutputTokens(path: string, body: Body, cap: number): boolean {
  if (!Number.isInteger(cap) || cap < 1)
    throw new RangeError(`output cap must be a whole number >= 1, got ${cap}`)
  switch (styleFor(path)) {
    case 'ollama': {
      if (!isPlainObject(body.options)) {
        body.options = { num_predict: cap }
        return true
      }
      return capField(body.options, 'num_predict', cap)
    }
    case 'openai-chat': {
      const changed = capField(body, 'max_tokens', cap)
      return capFieldIfPresent(body, 'max_completion_tokens', cap) || changed
    }
    case 'openai-completions':
    case 'anthropic':
      return capField(body, 'max_tokens', cap)
    case 'openai-responses':
      return capField(body, 'max_output_tokens', cap)
    case null:
      return false
  }
}
