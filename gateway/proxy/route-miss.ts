// What a request the route table did not match gets, as Ollama's router (gin v1.10, set up
// in ollama server/routes.go GenerateRoutes with HandleMethodNotAllowed = true) answers it:
// - a path Ollama serves, with another method: 405 (gin's serveError with 405), here in
//   the client's dialect, with the Allow header HTTP asks for;
// - a served path with one slash too many (`/api/chat/`): gin's RedirectTrailingSlash
//   redirects to the path without it, 301 for GET and 307 (method and body kept) for
//   anything else (gin.go redirectTrailingSlash, redirectRequest);
// - anything else: not served (404).
// Decided on the route table's paths, never by forwarding: nothing of these reaches a backend.
import { ROUTES, type RouteDef } from './routes.js'

export type RouteMiss =
  | { kind: 'method'; allow: string }
  | { kind: 'redirect'; status: 301 | 307; location: string }
  | null

/** A route path as a matcher: `:name` is one path segment, as both gin and Fastify read it. */
const MATCHERS: readonly (readonly [RegExp, RouteDef])[] = ROUTES.map((r) => [
  new RegExp(`^${r.path.replace(/[.]/g, '\\.').replace(/:[a-z]+/g, '[^/]+')}$`),
  r,
])

function routeAt(path: string): RouteDef | null {
  for (const [re, route] of MATCHERS) if (re.test(path)) return route
  return null
}

/** Only a query of printable ASCII goes into a Location header; anything else is dropped. */
const SAFE_QUERY = /^\?[\x21-\x7e]*$/
const PRINTABLE = /^[\x21-\x7e]+$/

/**
 * `url` is the request target with the base path already taken off; `basePath` is put back
 * in a redirect's Location, which is built from the matched route's spelling.
 */
export function routeMiss(method: string, url: string, basePath: string): RouteMiss {
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  const route = routeAt(path)
  if (route !== null) {
    return route.methods.includes(method as never)
      ? null
      : { kind: 'method', allow: route.methods.join(', ') }
  }
  // `//` is not `/` with a slash too many: only a named path is redirected.
  if (path.length < 3 || !path.endsWith('/') || path.includes('//') || !PRINTABLE.test(path)) {
    return null
  }
  if (routeAt(path.slice(0, -1)) === null) return null
  const query = q === -1 ? '' : url.slice(q)
  const base = basePath === '/' ? '' : basePath.replace(/\/+$/, '')
  return {
    kind: 'redirect',
    status: method === 'GET' ? 301 : 307,
    location: base + path.slice(0, -1) + (SAFE_QUERY.test(query) ? query : ''),
  }
}

/** What a 405 says: the method refused and the ones the path takes. */
export function methodNotAllowedMessage(
  method: string,
  path: string,
  miss: { allow: string },
): string {
  return `${method.slice(0, 20)} is not allowed on ${path}: use ${miss.allow}`
}
