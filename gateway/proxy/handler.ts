// The handler behind every route in the table: read what is needed of the
// body, apply the key's model list and limits, pick a backend, wait for a
// slot in its fair queue, forward, relay, and record what happened.
import type { Readable } from 'node:stream'
import type { GatewayHost } from './host.js'
import { CorralError } from '../errors.js'
import { capOutputTokens } from '../limits/output-cap.js'
import { applyKeyOptions } from '../key-options/merge.js'
import {
  checkContentEncoding,
  modelOf,
  otherModelsOf,
  parseJsonBody,
  readBody,
  wantsStream,
  type JsonBody,
} from './body.js'
import { upstreamPath, type RouteDef } from './routes.js'
import { dispatch } from './dispatch.js'
import { queryOf, type Exchange } from './exchange.js'

/**
 * Serves one request the access, key and rate checks have let through. Errors before
 * the response is taken over are thrown (CorralError), for the caller to answer.
 */
export async function proxyRequest(host: GatewayHost, ex: Exchange): Promise<void> {
  const state = ex.state
  const route = state.route!
  const key = state.key!
  // Every proxied request comes here (pipeline.ts) once the key is known.
  host.owner.admit(state)
  const path = upstreamPath(route, ex.params)
  if (path === null)
    throw new CorralError('CORRAL_ERR_BAD_REQUEST', { message: 'malformed name in path' })
  const query = queryOf(ex.url)

  if (route.kind === 'merge-tags' || route.kind === 'merge-ps' || route.kind === 'merge-models') {
    ex.body?.resume()
    return host.serveMerged(ex, route.kind)
  }

  checkContentEncoding(ex.headers['content-encoding'] as string | undefined)
  const { body, json } = await readRequestBody(host, ex, route)
  let model = json ? modelOf(route.path, json) : null
  if (route.kind === 'model-param') model = ex.params.model ?? null
  if (route.kind === 'model' && !model) {
    throw new CorralError('CORRAL_ERR_BAD_REQUEST', { message: 'model is required' })
  }
  state.model = model
  for (const m of [model, ...(json ? otherModelsOf(route.path, json) : [])]) {
    if (m && !state.snapshot.modelAllowed(key, m)) {
      throw new CorralError('CORRAL_ERR_MODEL', { message: `this key may not use model "${m}"` })
    }
  }

  const limits = state.snapshot.limitsFor(key)
  let outBody: Buffer | Readable | null = body
  if (json) {
    // The key's option defaults first, so a default num_predict is capped like the client's.
    const options = state.snapshot.keyOptions(key)
    let changed = options !== null && applyKeyOptions(route.path, json, options)
    if (limits.maxOutputTokens !== null) {
      changed = capOutputTokens(route.path, json, limits.maxOutputTokens) || changed
    }
    if (changed) outBody = Buffer.from(JSON.stringify(json))
  }

  await dispatch(host, ex, {
    route,
    path: path + query,
    body: outBody,
    model,
    streaming: route.streams === true && wantsStream(json, route.streamDefault ?? false),
    limits,
  })
}

async function readRequestBody(
  host: GatewayHost,
  ex: Exchange,
  route: RouteDef,
): Promise<{ body: Buffer | Readable | null; json: JsonBody | null }> {
  const stream = ex.body
  if (ex.method === 'GET' || ex.method === 'HEAD') {
    stream?.resume()
    return { body: null, json: null }
  }
  // Blobs are model files: streamed straight through, never held in memory.
  if (route.kind === 'blob') return { body: stream ?? null, json: null }
  const buf = await readBody(
    stream,
    ex.headers['content-length'] as string | undefined,
    host.snapshot.config.server.bodyLimitBytes,
  )
  if (buf.length === 0) {
    if (route.kind === 'model' || route.kind === 'manage') {
      throw new CorralError('CORRAL_ERR_BAD_REQUEST', { message: 'request body is empty' })
    }
    return { body: buf, json: null }
  }
  return { body: buf, json: parseJsonBody(buf) }
}
