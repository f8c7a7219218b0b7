// One proxied request as the proxy sees it, built by the pipeline (pipeline.ts) whether
// the pipeline's table or Fastify's router matched its route.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { RequestState } from './context.js'

export interface Exchange {
  readonly method: string
  /** Origin-form path and query, after the base path is stripped (what the routes match). */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** Path parameters, decoded (`:digest`, `:model`). */
  readonly params: Readonly<Record<string, string>>
  readonly state: RequestState
  /** The request body, unread. */
  readonly body: Readable | undefined
  /** The route table's path (`/api/chat`, `/v1/models/:model`): the stats' endpoint. */
  readonly endpoint: string
  /**
   * Called once, before the proxy writes the response itself. Returns the headers the
   * gateway set before that (RateLimit-*), to be sent with the answer.
   */
  takeOver(): Record<string, string>
}

/** The path without its query. */
export function pathOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** The query with its `?`, or ''. */
export function queryOf(url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? '' : url.slice(q)
}
