// Requests per window per key, on @fastify/rate-limit. It runs as a `preHandler` (auth has
// already run in `onRequest`), reads the key's limit and window on every request (so a
// hot-reloaded limit applies to the very next request) and answers 429 in the dialect the app
// picks, with the IETF draft `RateLimit-*` headers and `Retry-After`.
import rateLimitPlugin from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** A request's limit; null (or `requests: null`) means "not limited". */
export interface RateLimitPolicy {
  keyId: string
  requests: number | null
  windowSeconds: number
}

/** What the 429 is about, for the app's error body. */
export interface RateLimitInfo {
  keyId: string
  limit: number
  windowSeconds: number
  retryAfterSeconds: number
}

/**
 * Called for a request over its limit, after status 429 and the headers are set. Return the
 * body to send, or send it yourself and return `reply`.
 */
export type OnRateLimited = (
  req: FastifyRequest,
  reply: FastifyReply,
  retryAfterSeconds: number,
  info: RateLimitInfo,
) => unknown

export type ErrorDialect = 'ollama' | 'openai'

export interface RateLimitOptions {
  /** Milliseconds since the epoch; injected by tests. */
  now?: () => number
  /** Keys whose counters are kept before the oldest are dropped. Default 10 000. */
  maxKeys?: number
}

/** Header names of draft-ietf-httpapi-ratelimit-headers (the plugin's `enableDraftSpec`). */
export const RATE_LIMIT_HEADERS = Object.freeze({
  limit: 'ratelimit-limit',
  remaining: 'ratelimit-remaining',
  reset: 'ratelimit-reset',
  retryAfter: 'retry-after',
})

const DEFAULT_MAX_KEYS = 10_000
const MS_PER_SECOND = 1000

/** The message both dialects carry. */
export function rateLimitMessage(info: RateLimitInfo): string {
  return `rate limit exceeded: ${info.limit} requests per ${info.windowSeconds}s for this key; retry in ${info.retryAfterSeconds}s`
}

/** A 429 body in Ollama's (`{"error":"..."}`) or OpenAI's (`{"error":{message,type,code}}`) dialect. */
export function rateLimitErrorBody(dialect: ErrorDialect, message: string): unknown {
  if (dialect === 'ollama') return { error: message }
  return { error: { message, type: 'rate_limit_error', code: 'rate_limit_exceeded' } }
}

/** `/v1/...` (also under a base path) speaks OpenAI; everything else Ollama. */
export function dialectForUrl(url: string): ErrorDialect {
  const path = url.split('?', 1)[0] ?? ''
  return /(^|\/)v1(\/|$)/.test(path) ? 'openai' : 'ollama'
}

/** The default `OnRateLimited`: picks the dialect from the URL. */
export const defaultOnRateLimited: OnRateLimited = (req, _reply, _retryAfter, info) =>
  rateLimitErrorBody(dialectForUrl(req.url), rateLimitMessage(info))

interface Counter {
  current: number
  startMs: number
}
type StoreCallback = (error: Error | null, result?: { current: number; ttl: number }) => void

/** A fixed-window counter store for @fastify/rate-limit with an injectable clock. */
function windowStore(now: () => number, maxKeys: number) {
  return class WindowStore {
    readonly #counters = new Map<string, Counter>()

    incr(key: string, cb: StoreCallback, timeWindow: number): void {
      const nowMs = now()
      let counter = this.#counters.get(key)
      if (!counter || counter.startMs + timeWindow <= nowMs) {
        counter = { current: 0, startMs: nowMs }
        this.#counters.delete(key)
        this.#evict(nowMs, timeWindow)
        this.#counters.set(key, counter)
      }
      counter.current++
      cb(null, { current: counter.current, ttl: counter.startMs + timeWindow - nowMs })
    }

    read(key: string, cb: StoreCallback, timeWindow: number): void {
      const nowMs = now()
      const counter = this.#counters.get(key)
      if (!counter || counter.startMs + timeWindow <= nowMs) cb(null, { current: 0, ttl: 0 })
      else cb(null, { current: counter.current, ttl: counter.startMs + timeWindow - nowMs })
    }

    child(): WindowStore {
      return new WindowStore()
    }

    /** Keeps the map bounded: drop expired counters, then the oldest ones. */
    #evict(nowMs: number, timeWindow: number): void {
      if (this.#counters.size < maxKeys) return
      for (const [key, counter] of this.#counters) {
        if (counter.startMs + timeWindow <= nowMs) this.#counters.delete(key)
      }
      for (const key of this.#counters.keys()) {
        if (this.#counters.size < maxKeys) break
        this.#counters.delete(key)
      }
    }
  }
}

/** What the limit says of one request. */
export interface RateDecision {
  /** `RateLimit-*` (and, when limited, `Retry-After`) headers for the answer. */
  headers: Record<string, string>
  /** Set when the request is over its limit: answer 429. */
  limited: RateLimitInfo | null
}

/**
 * Counts one request against its policy. Null for requests that are not limited
 * (no policy, or `requests: null`): they get no headers.
 */
export type RateCheck = (policy: RateLimitPolicy | null) => Promise<RateDecision | null>

/** What the plugin reads of the "request" it is given: only the policy and no route groups. */
interface PolicyProbe {
  policy: RateLimitPolicy
  routeOptions: { config: Record<string, never> }
}
const NO_ROUTE_CONFIG = Object.freeze({ config: Object.freeze({}) as Record<string, never> })

/**
 * Registers per-key request rate limiting on `app`: a `preHandler` hook on `app`'s context
 * (call it before `app.ready()`; it runs after `preHandler` hooks added before it).
 * `getPolicy` is called once per request; requests with a null policy or `requests: null` are
 * not limited and get no headers. Requests under the limit get `RateLimit-Limit`,
 * `RateLimit-Remaining` and `RateLimit-Reset`; the one over it also gets `Retry-After` and
 * status 429, and its body comes from `onLimited` (default: the dialect of the URL).
 * Returns the same check, for requests served outside Fastify's hooks (the proxy pipeline):
 * both count against the same window.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  getPolicy: (req: FastifyRequest) => RateLimitPolicy | null,
  onLimited: OnRateLimited = defaultOnRateLimited,
  opts: RateLimitOptions = {},
): Promise<RateCheck> {
  const policyOf = (probe: unknown): RateLimitPolicy => (probe as PolicyProbe).policy

  await app.register(rateLimitPlugin, {
    global: false,
    hook: 'preHandler',
    enableDraftSpec: true,
    store: windowStore(opts.now ?? Date.now, opts.maxKeys ?? DEFAULT_MAX_KEYS),
    keyGenerator: (probe) => policyOf(probe).keyId,
    max: (probe) => policyOf(probe).requests ?? Number.MAX_SAFE_INTEGER,
    timeWindow: (probe) => policyOf(probe).windowSeconds * MS_PER_SECOND,
  })
  const apply = app.createRateLimit()

  const check: RateCheck = async (policy) => {
    if (!policy || policy.requests === null) return null
    const probe: PolicyProbe = { policy, routeOptions: NO_ROUTE_CONFIG }
    const result = await apply(probe as unknown as FastifyRequest)
    if (result.isAllowed) return null
    const headers: Record<string, string> = {
      [RATE_LIMIT_HEADERS.limit]: String(result.max),
      [RATE_LIMIT_HEADERS.remaining]: String(result.remaining),
      [RATE_LIMIT_HEADERS.reset]: String(result.ttlInSeconds),
    }
    if (!result.isExceeded) return { headers, limited: null }
    const retryAfterSeconds = Math.max(1, result.ttlInSeconds)
    headers[RATE_LIMIT_HEADERS.retryAfter] = String(retryAfterSeconds)
    return {
      headers,
      limited: {
        keyId: policy.keyId,
        limit: result.max,
        windowSeconds: policy.windowSeconds,
        retryAfterSeconds,
      },
    }
  }

  app.addHook('preHandler', async (req, reply) => {
    const decision = await check(getPolicy(req))
    if (decision === null) return
    reply.headers(decision.headers)
    if (decision.limited === null) return
    reply.code(429)
    const info = decision.limited
    const body = await onLimited(req, reply, info.retryAfterSeconds, info)
    if (body !== reply) reply.send(body)
    return reply
  })
  return check
}
