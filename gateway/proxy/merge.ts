// /api/tags, /api/ps and /v1/models answered for the whole pool: the union
// across healthy backends, deduplicated, showing a key only the models it may use.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Corral } from '../core.js'
import { CorralError } from '../errors.js'
import { normalizeModel, type BackendState } from '../backends/pool.js'
import type { RouteKind } from './routes.js'

type MergeKind = Extract<RouteKind, 'merge-tags' | 'merge-ps' | 'merge-models'>
type Entry = Record<string, unknown>

const SOURCE_PATH: Record<MergeKind, string> = {
  'merge-tags': '/api/tags',
  'merge-ps': '/api/ps',
  'merge-models': '/v1/models',
}

export async function serveMerged(
  corral: Corral,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: MergeKind,
): Promise<void> {
  const state = request.corral
  const backends = corral.pool.list().filter((b) => corral.pool.isUsable(b))
  if (backends.length === 0) throw new CorralError('CORRAL_ERR_NO_BACKEND')
  const results = await Promise.allSettled(backends.map((b) => fetchList(corral, b, kind)))
  const lists: Entry[][] = []
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') {
      lists.push(r.value)
      corral.pool.markSuccess(backends[i]!)
    } else {
      corral.pool.markFailure(backends[i]!, (r.reason as Error).message)
    }
  })
  if (lists.length === 0) throw new CorralError('CORRAL_ERR_BACKEND')

  const idField = kind === 'merge-models' ? 'id' : 'name'
  const seen = new Set<string>()
  const merged: Entry[] = []
  for (const entry of lists.flat()) {
    const id = entry[idField]
    if (typeof id !== 'string') continue
    const norm = normalizeModel(id)
    if (seen.has(norm)) continue
    seen.add(norm)
    if (state.key && !state.snapshot.modelAllowed(state.key, id)) continue
    merged.push(entry)
  }
  state.backend = backends.length === 1 ? backends[0]!.record.name : 'all'
  state.outcome = 'done'
  const body = kind === 'merge-models' ? { object: 'list', data: merged } : { models: merged }
  await reply.type('application/json; charset=utf-8').send(JSON.stringify(body))
}

async function fetchList(corral: Corral, b: BackendState, kind: MergeKind): Promise<Entry[]> {
  const timeoutMs = corral.config.balancer.healthTimeoutMs * 5
  const headers: Record<string, string> = {}
  if (b.record.key) headers.authorization = `Bearer ${b.record.key}`
  const res = await corral.agent.request({
    origin: b.origin,
    path: SOURCE_PATH[kind],
    method: 'GET',
    headers,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  })
  if (res.statusCode >= 400) {
    await res.body.dump()
    throw new Error(`${SOURCE_PATH[kind]} answered ${res.statusCode}`)
  }
  const json = (await res.body.json()) as { models?: unknown; data?: unknown }
  const list = kind === 'merge-models' ? json.data : json.models
  if (!Array.isArray(list)) return []
  // Keep the inventory fresh: a list we just fetched is the best knowledge there is.
  if (kind === 'merge-tags') b.models = new Set(names(list, 'name'))
  if (kind === 'merge-ps') b.loaded = new Set(names(list, 'name'))
  return list as Entry[]
}

function names(list: unknown[], field: string): string[] {
  return list.flatMap((e) => {
    const v = (e as Entry)[field]
    return typeof v === 'string' ? [normalizeModel(v)] : []
  })
}
