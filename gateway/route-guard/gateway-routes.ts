// The gateway port's rule for its own routes: each one says in its route config how it is
// guarded, and the check hook (app.ts) decides on the route the router matched (after it
// decoded the path and took the origin off an absolute-form target), never on the URL
// string. A route that says nothing is refused when it is registered, so a new route can
// not be reachable without a key by omission.
//
// The gateway accepts the spellings Ollama accepts: its gin router matches the decoded
// path (gin.Default: UseRawPath false, RemoveExtraSlash false, RedirectFixedPath false; see
// ollama server/routes.go, `r := gin.Default()`), and Go's net/http takes absolute-form
// targets. So real clients keep working; whatever the spelling, the key and scope check is
// the matched route's.
import type { FastifyContextConfig, FastifyRequest, RouteOptions } from 'fastify'

/** How a gateway route is guarded. */
export type GatewayAccess =
  /** Proxied: the pipeline checks address, key and scope (proxy/pipeline.ts). */
  | 'proxy'
  /** `config.route.scope` is checked by the hook before the handler runs. */
  | 'scoped'
  /** No key (the connect page and the public certificate). */
  | 'public'
  /** The handler decides on its own rule (/metrics: loopback, or a key with `metrics`). */
  | 'handler'

export function accessOf(config: FastifyContextConfig | undefined): GatewayAccess | null {
  if (config?.proxy !== undefined) return 'proxy'
  if (config?.route !== undefined) return 'scoped'
  if (config?.public === true) return 'public'
  if (config?.keyCheckedByHandler === true) return 'handler'
  return null
}

/**
 * For a Fastify route with no scope of its own: whether the request goes on to its handler.
 * Yes when no route matched (the 404 handler answers) or the route needs no key or checks
 * the key itself; anything else has no key to show, so it gets no entry.
 */
export function entersWithoutScope(request: FastifyRequest): boolean {
  const access = accessOf(request.routeOptions.config)
  return request.is404 || access === 'public' || access === 'handler'
}

/** For an `onRoute` hook: throws when a route does not say how it is guarded. */
export function requireDeclaredAccess(route: RouteOptions): void {
  if (accessOf(route.config) === null) {
    const methods = Array.isArray(route.method) ? route.method.join(',') : route.method
    throw new Error(
      `gateway route ${methods} ${route.url} does not say how it is guarded: give it config.proxy, config.route (a scope), config.public or config.keyCheckedByHandler`,
    )
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The handler checks the key itself (route-guard/gateway-routes.ts). */
    keyCheckedByHandler?: boolean
  }
}
