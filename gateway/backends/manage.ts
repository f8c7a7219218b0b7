// Adding, changing and removing backends (control API and CLI), and how a
// backend is shown to people.
import { advisoriesFor } from '../advisories/ollama-advisories.js'
import type { BackendRecord } from '../config/schema.js'
import type { UpdateConfig } from '../auth/manage.js'
import type { Candidate } from '../discovery/mdns.js'
import { unconfirmedKeyMessage } from '../discovery/collisions.js'
import { newId } from '../util/ids.js'
import type { BackendState } from './pool.js'

/** Bad input about backends; `status` is what the control API answers (400, 404, 409). */
export class BackendInputError extends Error {
  override name = 'BackendInputError'
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message)
  }
}

export interface BackendInput {
  url?: string
  candidate?: string
  name?: string
  key?: string | null
  weight?: number
  capacity?: number
  enabled?: boolean
  /** Keep model management open on a backend with a known vulnerability (advisories/). */
  acceptVulnerable?: boolean
  /** Send `key` to a host first seen through mDNS (discovery/collisions.ts). */
  confirmKey?: boolean
}

/** `host:port`, `host` or a URL → `http(s)://host:port` (Ollama's default port when none). */
export function normalizeBackendUrl(input: string): string {
  const raw = input.trim()
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`
  let u: URL
  try {
    u = new URL(withScheme)
  } catch {
    throw new BackendInputError(`"${input}" is not a backend address (try http://host:11434)`)
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new BackendInputError(`"${input}": only http and https backends are supported`)
  }
  if (u.pathname !== '/' || u.search || u.hash || u.username) {
    throw new BackendInputError(`"${input}": give the backend's address only, without a path`)
  }
  if (!u.port && u.protocol === 'http:') u.port = '11434'
  return `${u.protocol}//${u.host}`
}

export async function addBackend(
  update: UpdateConfig,
  input: BackendInput,
  candidates: readonly Candidate[] = [],
): Promise<BackendRecord> {
  let url = input.url
  let name = input.name
  let source: BackendRecord['source'] = 'manual'
  if (!url && input.candidate) {
    const c = findCandidate(candidates, input.candidate)
    url = c.url
    name ??= c.name
    source = 'mdns'
  }
  if (!url) throw new BackendInputError('give a URL or the name of a candidate found on the LAN')
  const normalized = normalizeBackendUrl(url)
  const record: BackendRecord = {
    id: newId(),
    name: (name ?? new URL(normalized).host).slice(0, 100),
    url: normalized,
    key: input.key ?? null,
    weight: input.weight ?? 1,
    enabled: input.enabled ?? true,
    capacity: input.capacity ?? 4,
    source,
  }
  if (source === 'mdns' && record.key !== null && input.confirmKey !== true) {
    throw new BackendInputError(unconfirmedKeyMessage(record.name, normalized), 409)
  }
  await update((c) => {
    if (c.backends.some((b) => b.url === normalized)) {
      throw new BackendInputError(`${normalized} is already a backend`, 409)
    }
    // A candidate that took a backend's name ("This computer") must not be added under it.
    const clash = source === 'mdns' && c.backends.find((b) => sameName(b.name, record.name))
    if (clash) {
      throw new BackendInputError(
        `"${record.name}" is already the name of the backend at ${clash.url}; this service is at ${normalized}. Give it another name (--name) if you mean to add it.`,
        409,
      )
    }
    c.backends.push(record)
  })
  return record
}

export async function updateBackend(
  update: UpdateConfig,
  idOrName: string,
  patch: BackendInput,
): Promise<BackendRecord> {
  let result: BackendRecord | null = null
  await update((c) => {
    const b = findBackend(c.backends, idOrName)
    if (patch.url !== undefined) {
      const url = normalizeBackendUrl(patch.url)
      if (c.backends.some((x) => x !== b && x.url === url)) {
        throw new BackendInputError(`${url} is already a backend`, 409)
      }
      b.url = url
    }
    if (patch.name !== undefined) b.name = patch.name
    if (patch.key !== undefined && patch.key !== null && b.source === 'mdns' && !patch.confirmKey) {
      throw new BackendInputError(unconfirmedKeyMessage(b.name, b.url), 409)
    }
    if (patch.key !== undefined) b.key = patch.key
    if (patch.weight !== undefined) b.weight = patch.weight
    if (patch.capacity !== undefined) b.capacity = patch.capacity
    if (patch.enabled !== undefined) b.enabled = patch.enabled
    if (patch.acceptVulnerable !== undefined) b.acceptVulnerable = patch.acceptVulnerable
    result = b
  })
  return result!
}

export async function removeBackend(
  update: UpdateConfig,
  idOrName: string,
): Promise<BackendRecord> {
  let removed: BackendRecord | null = null
  await update((c) => {
    const b = findBackend(c.backends, idOrName)
    removed = b
    c.backends = c.backends.filter((x) => x !== b)
  })
  return removed!
}

/** A candidate by its exact name or URL; a name several services announce is ambiguous. */
function findCandidate(candidates: readonly Candidate[], wanted: string): Candidate {
  const byUrl = candidates.find((x) => x.url === wanted)
  if (byUrl) return byUrl
  const named = candidates.filter((x) => x.name === wanted)
  const urls = [...new Set(named.map((x) => x.url))]
  if (urls.length === 0) {
    throw new BackendInputError(`no service named "${wanted}" was found on the LAN`, 404)
  }
  if (urls.length > 1) {
    throw new BackendInputError(
      `${urls.length} services on the LAN are named "${wanted}" (${urls.join(', ')}): add the one you mean by its address`,
      409,
    )
  }
  return named[0]!
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase()

export function findBackend(list: BackendRecord[], idOrName: string): BackendRecord {
  const found =
    list.find((b) => b.id === idOrName) ??
    list.find((b) => b.name === idOrName) ??
    list.find((b) => b.url === idOrName)
  if (!found) throw new BackendInputError(`no backend with id, name or URL "${idOrName}"`, 404)
  return found
}

/** What the fair queue knows of a backend: slots now (learned or set), requests waiting. */
export interface BackendLoad {
  effectiveCapacity: number
  queued: number
  /** It answered "server busy": `effectiveCapacity` is learned, below the setting. */
  full: boolean
}

/**
 * A backend as the UI and CLI show it; the upstream key is never echoed. `readOnly`: it
 * comes from a flag or the environment for this run (not config.json), so it cannot be edited.
 */
export function backendView(
  b: BackendState,
  readOnly = false,
  load: BackendLoad = { effectiveCapacity: b.record.capacity, queued: 0, full: false },
) {
  return {
    id: b.id,
    name: b.record.name,
    url: b.record.url,
    source: b.record.source,
    enabled: b.record.enabled,
    weight: b.record.weight,
    capacity: b.record.capacity,
    hasKey: b.record.key !== null,
    state: b.record.enabled ? b.state : 'disabled',
    latencyMs: b.latencyMs,
    lastError: b.lastError,
    lastCheckedAt: b.lastCheckedAt,
    version: b.version,
    advisories: advisoriesFor(b.version),
    acceptVulnerable: b.record.acceptVulnerable === true,
    models: b.models ? [...b.models].sort() : [],
    loaded: [...b.loaded].sort(),
    inFlight: b.inFlight,
    readOnly,
    ...load,
  }
}
