// Which handler answers a request, as Ollama's gin router decides (server/routes.go
// GenerateRoutes, with gin's RedirectTrailingSlash on and HandleMethodNotAllowed set).
import type { Ctx, Handler } from './types.js'
import { send } from './respond.js'
import {
  chat,
  embed,
  embeddings,
  generate,
  ps,
  root,
  show,
  status,
  tags,
  version,
} from './native.js'
import { blob, copy, create, pull, push, remove } from './manage.js'
import { v1Chat, v1Completions, v1Embeddings, v1Model, v1Models } from './openai.js'
import { v1Responses } from './responses.js'
import { v1Messages } from './messages.js'
import { v1Transcriptions } from './transcriptions.js'

const ROUTES: ReadonlyArray<[string, string, Handler]> = [
  ['HEAD', '/', root],
  ['GET', '/', root],
  ['HEAD', '/api/version', version],
  ['GET', '/api/version', version],
  ['GET', '/api/status', status],
  ['POST', '/api/pull', pull],
  ['POST', '/api/push', push],
  ['HEAD', '/api/tags', tags],
  ['GET', '/api/tags', tags],
  ['POST', '/api/show', show],
  ['DELETE', '/api/delete', remove],
  ['POST', '/api/create', create],
  ['POST', '/api/blobs/:digest', blob],
  ['HEAD', '/api/blobs/:digest', blob],
  ['POST', '/api/copy', copy],
  ['GET', '/api/ps', ps],
  ['POST', '/api/generate', generate],
  ['POST', '/api/chat', chat],
  ['POST', '/api/embed', embed],
  ['POST', '/api/embeddings', embeddings],
  ['POST', '/v1/chat/completions', v1Chat],
  ['POST', '/v1/completions', v1Completions],
  ['POST', '/v1/embeddings', v1Embeddings],
  ['GET', '/v1/models', v1Models],
  ['GET', '/v1/models/:model', v1Model],
  ['POST', '/v1/responses', v1Responses],
  ['POST', '/v1/audio/transcriptions', v1Transcriptions],
  ['POST', '/v1/messages', v1Messages],
]

/** The route pattern `path` matches (a `:param` takes one non-empty segment), with its params. */
function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/')
  const got = path.split('/')
  if (want.length !== got.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!
    const g = got[i]!
    if (w.startsWith(':')) {
      if (g === '') return null
      params[w.slice(1)] = decodeURIComponent(g)
    } else if (w !== g) return null
  }
  return params
}

export type Found =
  | { kind: 'handler'; handler: Handler; params: Record<string, string> }
  | { kind: 'redirect'; location: string; status: number }
  | { kind: 'method-not-allowed' }
  | { kind: 'not-found' }

export function find(method: string, path: string): Found {
  for (const [m, pattern, handler] of ROUTES) {
    if (m !== method) continue
    const params = match(pattern, path)
    if (params) return { kind: 'handler', handler, params }
  }
  // gin RedirectTrailingSlash: `/api/chat/` -> `/api/chat`, 301 for GET and 307 otherwise.
  const other = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : `${path}/`
  if (ROUTES.some(([m, p]) => m === method && match(p, other))) {
    return { kind: 'redirect', location: other, status: method === 'GET' ? 301 : 307 }
  }
  // gin HandleMethodNotAllowed (routes.go sets it): the path exists for another method.
  if (ROUTES.some(([m, p]) => m !== method && match(p, path))) return { kind: 'method-not-allowed' }
  return { kind: 'not-found' }
}

/** gin's own plain-text answers for what no handler serves. */
export function answerUnrouted(c: Ctx, found: Exclude<Found, { kind: 'handler' }>): void {
  if (found.kind === 'redirect') {
    c.res.writeHead(found.status, { Location: found.location, 'Content-Length': 0 }).end()
  } else if (found.kind === 'method-not-allowed') {
    send(c, 405, 'text/plain', '405 method not allowed')
  } else send(c, 404, 'text/plain', '404 page not found')
}
