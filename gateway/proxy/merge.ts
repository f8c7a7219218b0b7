// /api/tags, /api/ps and /v1/models answered for the whole pool: the union
// across healthy backends, deduplicated, showing a key only the models it may use.
// Collecting the lists is the pool owner's (collectLists); answering is the process's
// that has the client (answerMerged): in a cluster, a worker asks the primary for the
// lists and answers itself.
import type { PoolHost } from './pool-host.js'
import { CorralError } from '../errors.js'
import { isNotRunning, noBackendError } from '../backends/down.js'
import { normalizeModel, type BackendState } from '../backends/pool.js'
import { isCloudModel } from '../model-names/index.js'
import type { MergeKind } from './routes.js'
import type { Exchange } from './exchange.js'
import type { GatewayHost } from './host.js'
import { finishRecord } from './record.js'

export type { MergeKind }
export type Entry = Record<string, unknown>

const SOURCE_PATH: Record<MergeKind, string> = {
  'merge-tags': '/api/tags',
  'merge-ps': '/api/ps',
  'merge-models': '/v1/models',
}

/** Every usable backend's list for one kind, as fetched: what a merged answer is made of. */
export interface Collected {
  lists: Entry[][]
  /** The backend's name when there is one, else `all` (the record's backend). */
  backend: string
}

export async function serveMerged(
  corral: PoolHost & GatewayHost,
  ex: Exchange,
  kind: MergeKind,
): Promise<void> {
  answerMerged(corral, ex, kind, await collectLists(corral, kind))
}

/**
 * The lists of every usable backend, each shared with a fetch already on its way, and the
 * backends' health marked by how they answered. The process that owns the pool does this
 * (one process, or a cluster's primary for its workers).
 */
export async function collectLists(corral: PoolHost, kind: MergeKind): Promise<Collected> {
  const backends = corral.pool.list().filter((b) => corral.pool.isUsable(b))
  if (backends.length === 0) throw noBackendError(corral.pool)
  const results = await Promise.allSettled(backends.map((b) => sharedFetch(corral, b, kind)))
  const lists: Entry[][] = []
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') {
      lists.push(r.value)
      corral.pool.markSuccess(backends[i]!)
    } else {
      corral.pool.markFailure(backends[i]!, (r.reason as Error).message)
    }
  })
  if (lists.length === 0) {
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : null))
    if (reasons.every(isNotRunning)) throw noBackendError(corral.pool, reasons[0])
    throw new CorralError('CORRAL_ERR_BACKEND')
  }
  return { lists, backend: backends.length === 1 ? backends[0]!.record.name : 'all' }
}

/**
 * The union of the lists, deduplicated, showing the key only the models it may use,
 * answered and recorded by the process that has the client (one process, or a worker).
 */
export function answerMerged(
  host: GatewayHost,
  ex: Exchange,
  kind: MergeKind,
  collected: Collected,
): void {
  const state = ex.state
  const idField = kind === 'merge-models' ? 'id' : 'name'
  const seen = new Set<string>()
  const merged: Entry[] = []
  for (const list of collected.lists) {
    for (const entry of list) {
      const id = entry[idField]
      if (typeof id !== 'string') continue
      const norm = normalizeModel(id)
      if (seen.has(norm)) continue
      seen.add(norm)
      if (state.key && !state.snapshot.modelAllowed(state.key, id)) continue
      // A cloud model runs on the owner's ollama.com account: listed only to keys allowed it.
      if (state.key && isCloudModel(id) && state.key.record.allowCloud !== true) continue
      merged.push(entry)
    }
  }
  state.backend = collected.backend
  state.outcome = 'done'
  const body = JSON.stringify(
    kind === 'merge-models' ? { object: 'list', data: merged } : { models: merged },
  )
  const res = ex.res
  const extra = ex.takeOver()
  if (!res.destroyed) {
    res.writeHead(200, {
      ...extra,
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    })
    res.end(body)
  } else {
    state.outcome = 'client_aborted'
  }
  // Written is answered, whatever became of the connection after.
  finishRecord(host, ex, state.outcome === 'client_aborted' ? 499 : 200)
}

/**
 * Lists being fetched right now, per backend and kind: a request that comes while one
 * is on its way shares it instead of asking the backend again (a client polling the
 * model list, or many clients at once, costs the backend one request at a time).
 * Nothing is kept once the answer is in, so a list is never older than one round trip.
 */
const inFlight = new WeakMap<BackendState, Map<MergeKind, Promise<Entry[]>>>()

function sharedFetch(corral: PoolHost, b: BackendState, kind: MergeKind): Promise<Entry[]> {
  let byKind = inFlight.get(b)
  if (byKind === undefined) inFlight.set(b, (byKind = new Map()))
  const pending = byKind.get(kind)
  if (pending !== undefined) return pending
  const fetched = fetchList(corral, b, kind).finally(() => byKind.delete(kind))
  byKind.set(kind, fetched)
  return fetched
}

async function fetchList(corral: PoolHost, b: BackendState, kind: MergeKind): Promise<Entry[]> {
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
