// Text from outside (a client's model name or user agent, an mDNS advertiser's name, a
// backend's answer) made safe to print on the owner's terminal or in a tray menu: control
// characters and the bidi controls that reorder what follows are shown escaped, never
// sent raw. A model name with ESC sequences would clear the screen and forge table lines
// in `corral stats --by model`; U+202E would print a key name backwards.

/**
 * C0 controls (tab and newline too: one value, one line), DEL, C1 controls (U+0080-U+009F:
 * 0x9B is CSI on terminals that read 8-bit controls), the line and paragraph separators
 * U+2028/U+2029, and the bidi marks, embeddings, overrides and isolates (U+061C, U+200E,
 * U+200F, U+202A-U+202E, U+2066-U+2069).
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function escapeOne(ch: string): string {
  const named = NAMED[ch]
  if (named !== undefined) return named
  const code = ch.charCodeAt(0)
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`
}

/**
 * `text` with every control and bidi-control character written out visibly: ESC as `\x1b`,
 * CSI (U+009B) as `\x9b`, RIGHT-TO-LEFT OVERRIDE as `\u202e`, a newline as `\n`. Text
 * without them comes back unchanged. Pure: the CLI, the tray and notifications use it.
 */
export function escapeForTerminal(text: string): string {
  UNSAFE.lastIndex = 0
  return UNSAFE.test(text) ? text.replace(UNSAFE, escapeOne) : text
}

/** The same for a value that may be missing. */
export function escapeNullable(text: string | null | undefined): string | null {
  return text === null || text === undefined ? null : escapeForTerminal(text)
}

/** UNSAFE but for the newline: what a whole block of output may not carry raw. */
const UNSAFE_IN_OUTPUT =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g

/**
 * A whole block of command output (lines of text, or a JSON document) with every unsafe
 * character but the newline as a `\uXXXX` escape: visible on a terminal, and in JSON an
 * escape with the same meaning (JSON.stringify leaves DEL, C1 and bidi controls raw). The
 * last line of defence behind escapeForTerminal on each value.
 */
export function escapeOutput(text: string): string {
  UNSAFE_IN_OUTPUT.lastIndex = 0
  return UNSAFE_IN_OUTPUT.test(text)
    ? text.replace(UNSAFE_IN_OUTPUT, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : text
}
