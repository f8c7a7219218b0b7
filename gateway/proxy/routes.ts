// The route table: every path the gateway answers, the scope it needs and how
// it is handled. A path that is not here is refused; the path sent upstream is
// rebuilt from the matched route, never copied from the client's raw URL.
import type { Scope } from '../config/schema.js'

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'DELETE'

/**
 * How a route is handled:
 * - `model`: the JSON body names a model; routed to a backend that has it.
 * - `any`: any healthy backend can answer.
 * - `merge-tags` / `merge-ps` / `merge-models`: answered from every backend, merged.
 * - `model-param`: the model is the `:model` path parameter.
 * - `manage`: model management; body names a model, sent to the chosen backend.
 * - `blob`: blob upload/check; body streamed, not parsed.
 */
export type RouteKind =
  'model' | 'any' | 'merge-tags' | 'merge-ps' | 'merge-models' | 'model-param' | 'manage' | 'blob'

/** The model lists answered for the whole pool (merge.ts). */
export type MergeKind = Extract<RouteKind, 'merge-tags' | 'merge-ps' | 'merge-models'>

export interface RouteDef {
  methods: HttpMethod[]
  path: string
  scope: Scope
  kind: RouteKind
  /** Streams its response (NDJSON or SSE) unless the body says `stream: false`. */
  streams?: boolean
  /** Stream by default (Ollama) or only when asked (OpenAI). */
  streamDefault?: boolean
  /** The answer may report token usage: the stats read it. Other answers are not parsed. */
  usage?: boolean
  /** The body is multipart/form-data (not JSON); its `model` field names the model. */
  multipart?: boolean
}

const OLLAMA_STREAMING = { streams: true, streamDefault: true }
const OPENAI_STREAMING = { streams: true, streamDefault: false }
const USAGE = { usage: true }

export const ROUTES: readonly RouteDef[] = [
  { methods: ['GET', 'HEAD'], path: '/', scope: 'inference', kind: 'any' },
  { methods: ['GET', 'HEAD'], path: '/api/version', scope: 'inference', kind: 'any' },
  { methods: ['GET'], path: '/api/status', scope: 'inference', kind: 'any' },
  { methods: ['GET', 'HEAD'], path: '/api/tags', scope: 'inference', kind: 'merge-tags' },
  { methods: ['GET', 'HEAD'], path: '/api/ps', scope: 'inference', kind: 'merge-ps' },
  { methods: ['POST'], path: '/api/show', scope: 'inference', kind: 'model' },
  {
    methods: ['POST'],
    path: '/api/generate',
    scope: 'inference',
    kind: 'model',
    ...OLLAMA_STREAMING,
    ...USAGE,
  },
  {
    methods: ['POST'],
    path: '/api/chat',
    scope: 'inference',
    kind: 'model',
    ...OLLAMA_STREAMING,
    ...USAGE,
  },
  { methods: ['POST'], path: '/api/embed', scope: 'inference', kind: 'model', ...USAGE },
  { methods: ['POST'], path: '/api/embeddings', scope: 'inference', kind: 'model', ...USAGE },
  { methods: ['POST'], path: '/api/pull', scope: 'models', kind: 'manage', ...OLLAMA_STREAMING },
  { methods: ['POST'], path: '/api/push', scope: 'models', kind: 'manage', ...OLLAMA_STREAMING },
  { methods: ['POST'], path: '/api/create', scope: 'models', kind: 'manage', ...OLLAMA_STREAMING },
  { methods: ['POST'], path: '/api/copy', scope: 'models', kind: 'manage' },
  { methods: ['DELETE'], path: '/api/delete', scope: 'models', kind: 'manage' },
  { methods: ['HEAD', 'POST'], path: '/api/blobs/:digest', scope: 'models', kind: 'blob' },
  {
    methods: ['POST'],
    path: '/v1/chat/completions',
    scope: 'inference',
    kind: 'model',
    ...OPENAI_STREAMING,
    ...USAGE,
  },
  {
    methods: ['POST'],
    path: '/v1/completions',
    scope: 'inference',
    kind: 'model',
    ...OPENAI_STREAMING,
    ...USAGE,
  },
  {
    methods: ['POST'],
    path: '/v1/responses',
    scope: 'inference',
    kind: 'model',
    ...OPENAI_STREAMING,
    ...USAGE,
  },
  {
    methods: ['POST'],
    path: '/v1/messages',
    scope: 'inference',
    kind: 'model',
    ...OPENAI_STREAMING,
    ...USAGE,
  },
  { methods: ['POST'], path: '/v1/embeddings', scope: 'inference', kind: 'model', ...USAGE },
  // ollama server/routes.go: a multipart upload whose `model` field names the model.
  {
    methods: ['POST'],
    path: '/v1/audio/transcriptions',
    scope: 'inference',
    kind: 'model',
    multipart: true,
  },
  { methods: ['GET'], path: '/v1/models', scope: 'inference', kind: 'merge-models' },
  { methods: ['GET'], path: '/v1/models/:model', scope: 'inference', kind: 'model-param' },
]

/** Blob digests as Ollama names them; anything else never reaches a backend. */
export const BLOB_DIGEST = /^sha256[:-][0-9a-f]{64}$/
/** A model name as Ollama accepts it (namespace/name:tag, registry hosts with ports). */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,254}$/

/** Build the upstream path for a matched route from its parameters (already decoded). */
export function upstreamPath(route: RouteDef, params: Record<string, string>): string | null {
  if (route.path.includes('/:digest')) {
    const d = params.digest ?? ''
    return BLOB_DIGEST.test(d) ? `/api/blobs/${d}` : null
  }
  if (route.path.includes('/:model')) {
    const m = params.model ?? ''
    return MODEL_NAME.test(m) ? `/v1/models/${encodeURIComponent(m)}` : null
  }
  return route.path
}
