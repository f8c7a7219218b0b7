// How long a string from outside may be once Corral keeps it: in the stats database, the
// access log, the live feed, the owner's `corral who` list, metrics labels. A client picks
// these strings (a 5 MB `model` went into corral.db five times: 75 MB), so each is cut to a
// bound before it is recorded, logged or shown. README "Security model" lists these.
import { boundModelName } from './model-name.js'

/** A request path as recorded: its start (the route table's paths are far shorter). */
export const PATH_MAX_CHARS = 200
/** A `User-Agent` as shown in `corral who` and the Activity view. */
export const USER_AGENT_MAX_CHARS = 200
/** A key's name (the control API refuses longer ones; older config files may hold them). */
export const KEY_NAME_MAX_CHARS = 100
/** A key's id (Corral makes them short; a bound for records that come from elsewhere). */
export const KEY_ID_MAX_CHARS = 64
/** A backend's id or name as recorded (config or mDNS: a DNS label is 63 bytes). */
export const BACKEND_NAME_MAX_CHARS = 100
/** A client address: the longest IPv6 text with a zone fits. */
export const CLIENT_IP_MAX_CHARS = 64
/** An HTTP method (Node's parser knows only the standard ones; a bound all the same). */
export const METHOD_MAX_CHARS = 16
/** One line of the gateway's own log on stderr (it may quote outside text). */
export const LOG_LINE_MAX_CHARS = 4000
/** What marks a string that was cut: the bound counts it. */
export const TRUNCATION_MARK = '…'

/**
 * `text` cut to at most `maxChars` UTF-16 units, ending in `…` when cut (never half of a
 * surrogate pair). Short strings come back as they are, with no copy.
 */
export function boundText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text
  let end = Math.max(0, maxChars - TRUNCATION_MARK.length)
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return text.slice(0, end) + TRUNCATION_MARK
}

/** Null stays null; anything else becomes a bounded string. */
export function boundNullable(text: string | null | undefined, maxChars: number): string | null {
  return text === null || text === undefined ? null : boundText(text, maxChars)
}

/** A model name as recorded: Ollama's name grammar (model-name.ts), else a placeholder. */
export function boundModel(name: string | null | undefined): string | null {
  return name === null || name === undefined ? null : boundModelName(name)
}
