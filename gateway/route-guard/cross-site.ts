// The control port's second lock, which does not depend on the token: a request a web page
// on another origin made is refused, whatever it carries. Browsers say where a request comes
// from in `Origin` (Fetch standard: sent with every POST/PUT/PATCH/DELETE and every CORS
// request, "null" from opaque origins) and `Sec-Fetch-Site` (Fetch Metadata: `same-origin`,
// `same-site`, `cross-site`, or `none` for what the user typed). Tools (curl, undici, the
// corral command, Electron's main process) send neither.
import type { IncomingHttpHeaders } from 'node:http'

/** Sec-Fetch-Site values that mean "another page asked for this". */
const FOREIGN_SITES = new Set(['cross-site', 'same-site'])

/**
 * Why a request comes from another web page (a 403 message), or null. `origins` are the
 * control listener's own origins (`http://127.0.0.1:PORT`, `http://localhost:PORT` ...).
 */
export function crossSiteReason(
  headers: IncomingHttpHeaders,
  origins: readonly string[],
): string | null {
  const origin = headers.origin
  if (origin !== undefined && !origins.includes(origin)) {
    return 'requests from other web pages are refused: the control API answers only its own page, the corral command and the Corral app'
  }
  const site = headers['sec-fetch-site']
  if (typeof site === 'string' && FOREIGN_SITES.has(site.toLowerCase())) {
    return `requests from other web pages are refused (Sec-Fetch-Site: ${site === 'same-site' ? 'same-site' : 'cross-site'}): the control API answers only its own page, the corral command and the Corral app`
  }
  return null
}

/**
 * Whether a state-changing request says it carries JSON. `application/json` is not one of
 * the types a form or a `mode: 'no-cors'` fetch may send (Fetch standard's CORS-safelisted
 * request headers), so a page on another origin cannot send it without a preflight, which
 * the control port never grants: a POST with no body is as hard to forge as one with a body.
 */
export function saysJson(headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type']
  if (typeof type !== 'string') return false
  return type.split(';')[0]!.trim().toLowerCase() === 'application/json'
}
