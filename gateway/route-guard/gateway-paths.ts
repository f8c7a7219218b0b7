// The gateway port's paths, for the control port to recognise a client pointed at the wrong
// port (`OLLAMA_HOST=127.0.0.1:11436`, an OpenAI base URL with the control port) and say
// which port to use, in the client's own dialect, instead of a bare 401 or 404.
import type { Config } from '../config/schema.js'
import { dialectOf, errorBody } from '../errors.js'
import { ROUTES } from '../proxy/routes.js'
import { stripBasePath } from '../util/base-path.js'

/** The gateway's own routes besides the proxied ones (app.ts, control/go-compat.ts). */
const OWN_PATHS = ['/metrics', '/connect', '/config/reload', '/config/new-key']

/** Whether `path` (origin form, no query) is one the gateway port answers; `/` is not counted. */
export function isGatewayPath(path: string, config: Config): boolean {
  const p = stripBasePath(path, config.server.basePath)
  if (p === '/') return false
  if (OWN_PATHS.includes(p) || p === config.metrics.path || p.startsWith('/connect/')) return true
  return ROUTES.some((r) => {
    const colon = r.path.indexOf('/:')
    return colon === -1 ? r.path === p : p.startsWith(r.path.slice(0, colon + 1))
  })
}

/**
 * The answer for a gateway request sent to the control port, or null when `target` is not
 * a gateway path. `urls` are the gateway's LAN URLs (empty while sharing is off).
 */
export function wrongPortBody(
  target: string,
  gateway: { urls: string[]; config: Config },
): unknown {
  const q = target.indexOf('?')
  const path = q === -1 ? target : target.slice(0, q)
  if (!isGatewayPath(path, gateway.config)) return null
  const url = gateway.urls[0]
  const where =
    url !== undefined
      ? `use the gateway at ${url}`
      : `use the gateway port ${gateway.config.server.port} once sharing is on (it is off now)`
  const message = `this is Corral's control port, for the Corral app and the corral command; ${path.slice(0, 100)} is served on the gateway port: ${where}, with an API key`
  return errorBody(dialectOf(path), 'CORRAL_ERR_NOT_FOUND', message)
}
