// Errors from the control API, in words a person understands.

/** A failed control API call. `message` is for people; `detail` is what the server said. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    /** HTTP status, or 0 when Corral could not be reached at all. */
    readonly status: number,
    message: string,
    readonly detail: string | null = null,
  ) {
    super(message)
  }

  /** The control token is missing or out of date: every further call will fail the same way. */
  get unauthorized(): boolean {
    return this.status === 401
  }
}

export const UNREACHABLE =
  'Corral is not answering. It may have stopped: start it again (corral serve, or the tray), then reload this page.'
export const UNAUTHORIZED =
  'This window has lost its access to Corral: the link it was opened with is out of date (Corral makes a new one each time it starts). Open the link that corral serve printed, or reopen the window from the tray.'
const WRONG_HOST =
  'Corral refused this address. Open the control window at 127.0.0.1 or localhost: other names are refused to keep web pages from reaching it.'

/** The error for an HTTP answer that was not a success. */
export function errorFromResponse(status: number, serverMessage: string | null): ApiError {
  if (status === 401) return new ApiError(status, UNAUTHORIZED, serverMessage)
  if (status === 403 && serverMessage?.includes('only answers to')) {
    return new ApiError(status, WRONG_HOST, serverMessage)
  }
  if (status >= 500) {
    const said = serverMessage && serverMessage !== 'internal error' ? `: ${serverMessage}` : ''
    return new ApiError(
      status,
      status === 503 && said
        ? sentence(serverMessage ?? '')
        : `Something went wrong inside Corral (error ${status})${said}. Its log has the details.`,
      serverMessage,
    )
  }
  if (!serverMessage) return new ApiError(status, `Corral refused this (error ${status}).`, null)
  return new ApiError(status, sentence(humanizeValidation(serverMessage)), serverMessage)
}

/** `fetch` itself failed: no answer at all. */
export function unreachable(cause: unknown): ApiError {
  const detail = cause instanceof Error ? cause.message : String(cause)
  return new ApiError(0, UNREACHABLE, detail)
}

const RULES: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^must NOT have fewer than 1 characters?$/, () => "can't be empty"],
  [/^must NOT have fewer than (\d+) characters$/, (m) => `needs at least ${m[1]} characters`],
  [/^must NOT have more than (\d+) characters$/, (m) => `can have at most ${m[1]} characters`],
  [/^must NOT have fewer than (\d+) items$/, (m) => `needs at least ${m[1]} entries`],
  [/^must NOT have more than (\d+) items$/, (m) => `can have at most ${m[1]} entries`],
  [/^must be >= (-?[\d.]+)$/, (m) => `must be at least ${m[1]}`],
  [/^must be <= (-?[\d.]+)$/, (m) => `must be at most ${m[1]}`],
  [/^must be integer$/, () => 'must be a whole number'],
  [/^must be number$/, () => 'must be a number'],
  [/^must be boolean$/, () => 'must be on or off'],
  [/^must match pattern .*$/, () => 'has characters that are not allowed there'],
  [/^must be equal to (one of the allowed values|constant)$/, () => 'is not one of the choices'],
  [/^must have required property '(.+)'$/, (m) => `needs ${words(m[1] ?? '')}`],
]

/**
 * Fastify's validation messages (`body/stats/retentionDays must be >= 1`) made readable
 * (`Retention days must be at least 1`). Other messages pass through.
 */
export function humanizeValidation(message: string): string {
  const m = /^(?:body|querystring|params)(\/[\w/]*)? (must .*)$/.exec(message.trim())
  if (!m) return message
  const field = (m[1] ?? '').split('/').filter(Boolean).pop()
  const rule = m[2] ?? ''
  for (const [re, say] of RULES) {
    const hit = re.exec(rule)
    if (hit) return field ? `${words(field)} ${say(hit)}` : say(hit)
  }
  return field ? `${words(field)} ${rule}` : rule
}

/** `retentionDays` → `retention days`. */
export function words(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
}

function sentence(text: string): string {
  const t = text.trim()
  if (!t) return t
  const first = t.charAt(0).toUpperCase() + t.slice(1)
  return /[.!?]$/.test(first) ? first : `${first}.`
}

/** The message to show for anything thrown by an API call. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message
  if (err instanceof Error) return err.message
  return String(err)
}
