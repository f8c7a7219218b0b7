// The relay's own types: what a request to a backend carries, what the relay calls back
// and what it hands back. A module of its own, below forward.ts, the exchange's layers
// (upstream-send.ts, client-answer.ts, upstream-exchange.ts) and upstream-headers.ts, so
// that those import types from here and not from each other.
import type { IncomingHttpHeaders } from 'node:http'
import type { Readable } from 'node:stream'
import type { Dialect } from '../errors.js'
import type { BodyFilter } from './stream-usage.js'

export interface UpstreamTarget {
  /** `http://host:port` of the backend. */
  origin: string
  /** Sent as `Authorization: Bearer` (a teammate's Corral as backend). */
  key: string | null
}

export interface UpstreamRequest {
  method: string
  /** Path and query, rebuilt from the route table. */
  path: string
  headers: IncomingHttpHeaders
  /** Header names that carried the client's key: never forwarded. */
  stripHeaders: readonly string[]
  /** The client address the gateway believes; sent as X-Forwarded-For instead of the client's own. */
  forwardedFor?: string
  body: Buffer | Readable | null
  headersTimeoutMs: number
  idleTimeoutMs: number
}

export type RelayOutcome = 'done' | 'client_aborted' | 'backend_error'

export interface RelayOptions {
  dialect: Dialect
  /**
   * Sees every body chunk as it passes (stats), as `buf[start, end)`: the bytes are valid
   * during the call only (a stream's are in the backend socket's read buffer). Must be cheap.
   */
  onChunk?: (buf: Buffer, start: number, end: number) => void
  onFirstByte?: () => void
  /** Added to the response headers (e.g. RateLimit-*). */
  extraHeaders?: Record<string, string>
}

export interface ProxyCallbacks extends RelayOptions {
  /**
   * Called once with the backend's status before anything is written to the client
   * (health marks), and whether the answer is a stream (its content type says so).
   * It may still set `onChunk` on this object: the relay reads it at each chunk.
   * Returning false refuses the answer (a busy backend's 503, to be tried elsewhere):
   * nothing reaches the client and `done` rejects with a RefusedAnswer.
   */
  onStatus?: (statusCode: number, streaming: boolean) => unknown
  /**
   * After onStatus returned 'hold': the whole short body (null when it could not be held);
   * false refuses the answer as onStatus's false does, anything else relays it.
   */
  onHeld?: (body: Buffer | null) => unknown
  /** Set by onStatus: what the client must not see of a stream (stream-usage.ts). */
  filter?: BodyFilter
}

export interface ProxyExchange {
  /**
   * Settles when the exchange is over. Rejects only for a failure before the response
   * head (the error keeps undici's `code`, so classifyUpstreamError() decides a retry);
   * nothing has been written to the client then.
   */
  readonly done: Promise<RelayOutcome>
  /** The client went away: abort the upstream request at whatever stage it is. Idempotent. */
  abort(): void
  /**
   * What the client got so far ends where another frame may follow (an error frame), not
   * inside a chunk that was passed on as the backend framed it.
   */
  readonly atFrameBoundary: boolean
}
