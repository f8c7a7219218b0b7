// The handler behind every route in the table: read what is needed of the
// body, apply the key's model list and limits, pick a backend, wait for a
// slot in its fair queue, forward, relay, and record what happened.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import type { Corral } from '../core.js'
import { CorralError } from '../errors.js'
import { capOutputTokens } from '../limits/output-cap.js'
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
import { serveMerged } from './merge.js'
import { dispatch } from './dispatch.js'

export function createProxyHandler(corral: Corral) {
  return async function proxyHandler(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const state = request.corral
    const route = state.route!
    const key = state.key!
    const params = (request.params ?? {}) as Record<string, string>
    const path = upstreamPath(route, params)
    if (path === null)
      throw new CorralError('CORRAL_ERR_BAD_REQUEST', { message: 'malformed name in path' })
    const query = queryOf(request.url)

    if (route.kind === 'merge-tags' || route.kind === 'merge-ps' || route.kind === 'merge-models') {
      return serveMerged(corral, request, reply, route.kind)
    }

    checkContentEncoding(request.headers['content-encoding'] as string | undefined)
    const { body, json } = await readRequestBody(corral, request, route)
    let model = json ? modelOf(route.path, json) : null
    if (route.kind === 'model-param') model = params.model ?? null
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
    if (
      json &&
      limits.maxOutputTokens !== null &&
      capOutputTokens(route.path, json, limits.maxOutputTokens)
    ) {
      outBody = Buffer.from(JSON.stringify(json))
    }

    await dispatch(corral, request, reply, {
      route,
      path: path + query,
      body: outBody,
      model,
      streaming: route.streams === true && wantsStream(json, route.streamDefault ?? false),
      limits,
    })
  }
}

async function readRequestBody(
  corral: Corral,
  request: FastifyRequest,
  route: RouteDef,
): Promise<{ body: Buffer | Readable | null; json: JsonBody | null }> {
  const stream = request.body as Readable | undefined
  if (request.method === 'GET' || request.method === 'HEAD') {
    stream?.resume()
    return { body: null, json: null }
  }
  // Blobs are model files: streamed straight through, never held in memory.
  if (route.kind === 'blob') return { body: stream ?? null, json: null }
  const buf = await readBody(
    stream,
    request.headers['content-length'],
    corral.snapshot.config.server.bodyLimitBytes,
  )
  if (buf.length === 0) {
    if (route.kind === 'model' || route.kind === 'manage') {
      throw new CorralError('CORRAL_ERR_BAD_REQUEST', { message: 'request body is empty' })
    }
    return { body: buf, json: null }
  }
  return { body: buf, json: parseJsonBody(buf) }
}

function queryOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? '' : url.slice(q)
}
