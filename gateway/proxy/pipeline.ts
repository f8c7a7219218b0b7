// The one pipeline every proxied request goes through: address, key, request rate, pause,
// the body and its model against the key's list, per-key options and the output cap; then
// dispatch.ts (admission, the relay). It runs straight from node:http:
// Fastify's router, hook chain and reply object cost more CPU than everything the
// gateway itself does per request (bench/README.md). The fixed routes (`/api/chat`,
// `/v1/chat/completions`, `/api/tags` ...) are matched here from a table; a URL that
// needs Fastify's router (a path parameter, percent-encoding, an absolute-form target)
// is matched there and handed to the same `serve()` (app.ts). Anything else — /metrics,
// /connect, the Go gateway's admin routes, 404s, a server that is closing — is Fastify's.
import { estimatePromptTokens } from '../limits/prompt-estimate.js'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GatewayHost } from './host.js'
import { authenticate } from '../auth/hook.js'
import { CorralError, errorBody } from '../errors.js'
import { rateLimitedBody, type KeyRateCheck } from '../limits/fastify.js'
import type { Snapshot } from '../runtime.js'
import { startRequest, type RequestState } from './context.js'
import { pathOf, queryOf, type Exchange } from './exchange.js'
import { finishRecord, recordReply } from './record.js'
import { ROUTES, upstreamPath, type HttpMethod, type RouteDef } from './routes.js'

import { isCloudModel } from '../model-names/index.js'
import { bodyEncoding } from './compressed-body.js'
import { multipartField } from './multipart.js'
import type { Readable } from 'node:stream'
import { capOutputTokens } from '../limits/output-cap.js'
import { applyKeyOptions } from '../key-options/merge.js'
import { askForStreamUsage } from './stream-usage.js'
import { rewriteBody, snapshotBody } from './body-rewrite.js'
import { modelOf, otherModelsOf, readRequestBody, wantsStream } from './body.js'
import { dispatch } from './dispatch.js'
import { withoutTimestamp } from '../device-keys/signature.js'
import { checkCreate } from './create-check.js'
import { TurnBudget } from './turns.js'

export interface PipelineOptions {
  /** Counts the request against its key's window (the same counters Fastify's hook uses). */
  rateCheck: KeyRateCheck
  /** While the gateway closes, Fastify answers (503, connection closed). */
  isClosing(): boolean
  /** The base path stripped before routing (see app.ts). */
  stripBasePath(url: string, basePath: string): string
}

export interface Pipeline {
  /** Takes a request for a fixed route and returns true; false leaves it to Fastify. */
  take(req: IncomingMessage, res: ServerResponse): boolean
  /**
   * Serves a request Fastify's router matched to `route`: `url` is the routed path (base
   * path stripped, origin form), `params` its decoded path parameters.
   */
  serve(
    req: IncomingMessage,
    res: ServerResponse,
    route: RouteDef,
    url: string,
    params: Readonly<Record<string, string>>,
  ): void
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({})
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>

export function createPipeline(host: GatewayHost, opts: PipelineOptions): Pipeline {
  const table = new Map<string, RouteDef>()
  const turns = new TurnBudget((err) =>
    host.logger.error('A request waiting for its turn failed to start', { err }),
  )
  for (const route of ROUTES) if (!route.path.includes(':')) table.set(route.path, route)

  return {
    take(req, res) {
      const raw = req.url
      // Absolute-form targets (`GET http://host/path`) are for Fastify's router.
      if (raw === undefined || raw.charCodeAt(0) !== 47 || opts.isClosing()) return false
      const snapshot = host.snapshot
      const server = snapshot.config.server
      const url = server.basePath ? opts.stripBasePath(raw, server.basePath) : raw
      const path = pathOf(url)
      const route = table.get(path)
      if (route === undefined || !route.methods.includes(req.method as HttpMethod)) return false
      if (path === snapshot.config.metrics.path) return false
      begin(host, opts, turns, req, res, route, url, NO_PARAMS, snapshot)
      return true
    },
    serve(req, res, route, url, params) {
      begin(host, opts, turns, req, res, route, url, params, host.snapshot)
    },
  }
}

/** A request arrived: it goes on now, or in a later turn of the event loop (turns.ts). */
function begin(
  host: GatewayHost,
  opts: PipelineOptions,
  turns: TurnBudget,
  req: IncomingMessage,
  res: ServerResponse,
  route: RouteDef,
  url: string,
  params: Readonly<Record<string, string>>,
  snapshot: Snapshot,
): void {
  // Its time starts now: a wait for its turn is part of what the client waited.
  const state = startRequest(host.now(), snapshot, req, url, route)
  host.stats.requestStarted()
  if (turns.enter()) {
    void serve(host, opts, req, res, route, url, params, state)
    return
  }
  turns.defer(() => void serve(host, opts, req, res, route, url, params, state))
}

async function serve(
  host: GatewayHost,
  opts: PipelineOptions,
  req: IncomingMessage,
  res: ServerResponse,
  route: RouteDef,
  url: string,
  params: Readonly<Record<string, string>>,
  state: RequestState,
): Promise<void> {
  const snapshot = state.snapshot
  let extra = NO_HEADERS
  const ex: Exchange = {
    method: req.method!,
    url,
    headers: req.headers,
    req,
    res,
    params,
    state,
    body: req,
    endpoint: route.path,
    takeOver: () => {
      state.hijacked = true
      return extra
    },
  }
  try {
    // Address first: a refused peer learns nothing about keys.
    if (!snapshot.access.isAllowed(state.clientIp)) throw new CorralError('CORRAL_ERR_IP')
    const denied = authenticate(req, state, route.scope, host.now(), url)
    if (denied) {
      // Ollama answers `/` to anyone (server/routes.go); the CLI's first request is HEAD /.
      if (route.path === '/' && denied.status === 401) return heartbeat(host, ex)
      throw denied
    }
    const decision = await opts.rateCheck(state)
    if (decision !== null) {
      extra = decision.headers
      if (decision.limited !== null) {
        state.outcome = 'limited'
        return answer(host, ex, 429, rateLimitedBody(state, decision.limited), extra)
      }
    }
    await proxyRequest(host, ex)
  } catch (err) {
    fail(host, ex, err, extra)
  }
}

/** An error before the proxy took the response over, answered as Fastify's error handler would. */
function fail(host: GatewayHost, ex: Exchange, err: unknown, extra: Record<string, string>): void {
  const { state, req } = ex
  if (state.hijacked) {
    // The proxy records and answers its own failures; anything reaching here is a bug.
    host.logger.error(`Unhandled error after the answer began on ${ex.method} ${ex.endpoint}`, {
      err,
    })
    if (!ex.res.writableEnded) ex.res.destroy()
    return
  }
  const gone = ex.res.destroyed || ex.res.headersSent
  if (gone || (!(err instanceof CorralError) && (req.socket?.destroyed ?? true))) {
    // The client left (or a timeout cut it) while its request was read: nobody to answer.
    state.outcome = 'client_aborted'
    finishRecord(host, ex, 499)
    return
  }
  let e: CorralError
  if (err instanceof CorralError) e = err
  else {
    host.logger.error(`Unhandled error on ${ex.method} ${ex.endpoint}`, { err })
    e = new CorralError('CORRAL_ERR_INTERNAL')
  }
  const body = JSON.stringify(errorBody(state.dialect, e.code, e.message, e.extra))
  answer(host, ex, e.status, body, { ...extra, ...e.headers })
}

/**
 * Ollama's answer to `/` (server/routes.go: "Ollama is running", 200, text/plain), for a
 * request without a usable key: the `ollama` CLI's heartbeat (HEAD /) must pass for it to
 * send its next request, whose refusal says what to do (device-keys/messages.ts).
 */
function heartbeat(host: GatewayHost, ex: Exchange): void {
  ex.body?.resume()
  ex.state.outcome = 'done'
  const body = 'Ollama is running'
  ex.res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  ex.res.end(ex.method === 'HEAD' ? undefined : body)
  recordReply(host, ex, 200)
}

function answer(
  host: GatewayHost,
  ex: Exchange,
  status: number,
  body: string,
  headers: Record<string, string>,
): void {
  ex.res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  ex.res.end(body)
  recordReply(host, ex, status)
}

/**
 * Serves one request the access, key and rate checks have let through. Errors before
 * the response is taken over are thrown (CorralError), for the caller to answer.
 */
async function proxyRequest(host: GatewayHost, ex: Exchange): Promise<void> {
  const state = ex.state
  const route = state.route!
  const key = state.key!
  // Every proxied request comes here (pipeline.ts) once the key is known.
  host.owner.admit(state)
  const path = upstreamPath(route, ex.params)
  if (path === null)
    throw new CorralError('CORRAL_ERR_BAD_REQUEST', { message: 'malformed name in path' })
  // A device's `ts` (device-keys/signature.ts) is for Corral, not for the backend.
  const query = queryOf(state.device === null ? ex.url : withoutTimestamp(ex.url))

  if (route.kind === 'merge-tags' || route.kind === 'merge-ps' || route.kind === 'merge-models') {
    ex.body?.resume()
    return host.serveMerged(ex, route.kind)
  }

  const encoding = bodyEncoding(route.path, ex.headers['content-encoding'] as string | undefined)
  const limit = host.snapshot.config.server.bodyLimitBytes
  const { body, json } = await readRequestBody(ex, route, encoding, limit)
  let model = json ? modelOf(route.path, json) : null
  if (route.kind === 'model-param') model = ex.params.model ?? null
  if (route.multipart && Buffer.isBuffer(body)) {
    model = multipartField(body, ex.headers['content-type'], 'model')
  }
  if (route.kind === 'model' && !model) {
    throw new CorralError('CORRAL_ERR_BAD_REQUEST', { message: 'model is required' })
  }
  state.model = model
  for (const m of [model, ...(json ? otherModelsOf(route.path, json) : [])]) {
    if (m && !state.snapshot.modelAllowed(key, m)) {
      throw new CorralError('CORRAL_ERR_MODEL', { message: `this key may not use model "${m}"` })
    }
    if (m && isCloudModel(m) && key.record.allowCloud !== true) {
      throw new CorralError('CORRAL_ERR_CLOUD_MODEL', {
        message: `this key may not use the cloud model "${m}": cloud models run on the owner's ollama.com account; ask the owner to allow cloud models for this key`,
      })
    }
  }
  // What a create builds from: `from`, blobs, a Modelfile's FROM/ADAPTER/DRAFT (create-check.ts).
  if (json && route.path === '/api/create')
    checkCreate(json, (m) => state.snapshot.modelAllowed(key, m))

  const limits = state.snapshot.limitsFor(key)
  let outBody: Buffer | Readable | null = body
  let hideStreamUsage = false
  if (json && Buffer.isBuffer(body)) {
    const before = snapshotBody(json)
    // The key's option defaults first, so a default num_predict is capped like the client's.
    const options = state.snapshot.keyOptions(key)
    let changed = options !== null && applyKeyOptions(route.path, json, options)
    if (limits.maxOutputTokens !== null) {
      changed = capOutputTokens(route.path, json, limits.maxOutputTokens) || changed
    }
    hideStreamUsage = askForStreamUsage(route.path, json)
    // Spliced: what the gateway did not change keeps its text (integers beyond 2^53).
    if (changed || hideStreamUsage) outBody = rewriteBody(body, before, json)
  }

  await dispatch(host, ex, {
    route,
    path: path + query,
    body: outBody,
    model,
    streaming: route.streams === true && wantsStream(json, route.streamDefault ?? false),
    limits,
    // Only a token limit reads the estimate (dispatch.ts tallies tokens only then): a long
    // conversation's text is not counted for a key without one.
    promptEstimate:
      route.usage === true && limits.tokensPerMinute !== null ? estimatePromptTokens(json) : 0,
    hideStreamUsage,
  })
}
