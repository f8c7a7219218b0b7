// Request bodies are timed by progress, not by a deadline: a multi-GB blob upload over
// slow Wi-Fi may take an hour and must not be cut at `requestTimeoutMs`, while a body
// that stalls (nothing for `bodyIdleTimeoutMs`) or trickles (slower than
// `bodyMinBytesPerSecond` on average once `requestTimeoutMs` has passed) is still cut,
// with a 408 in the client's dialect. Node's own whole-request deadline is off
// (server.requestTimeout = 0); headers still have to arrive within `headersTimeoutMs`.
//
// One sweep over the requests whose body is still arriving, on the same cadence as
// Node's header check: no timer per request. A body that ends leaves the sweep's set at
// once ('end'): held until the next sweep, 10,000 requests a second kept ~100 MB of
// requests and responses alive.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Config } from '../config/schema.js'
import { dialectOf, errorBody, ERRORS, type ErrorCode } from '../errors.js'
import { stripBasePath } from '../util/base-path.js'

interface Watched {
  req: IncomingMessage
  res: ServerResponse
  startedAt: number
  /** The connection's bytesRead when the request arrived (a kept-alive socket counts on). */
  startBytes: number
  lastBytes: number
  lastProgressAt: number
}

export interface BodyWatch {
  /** Time this request's body from now on (no-op for a request without a body). */
  watch(req: IncomingMessage, res: ServerResponse): void
  /** Requests whose body is still being watched. */
  readonly size: number
  /** Stop the sweep (server closing). */
  close(): void
}

export function createBodyWatch(
  settings: () => Config['server'],
  intervalMs: number,
  now: () => number = Date.now,
): BodyWatch {
  const watched = new Map<IncomingMessage, Watched>()
  let timer: NodeJS.Timeout | null = null
  // One listener function for every request: `this` is the request whose body ended.
  function onBodyEnd(this: IncomingMessage): void {
    watched.delete(this)
  }

  const sweep = () => {
    const t = now()
    const s = settings()
    for (const w of watched.values()) {
      const verdict = check(w, t, s)
      if (verdict === 'watch') continue
      watched.delete(w.req)
      if (verdict !== 'done') cut(w, verdict, s)
    }
    if (watched.size === 0 && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }

  return {
    get size() {
      return watched.size
    },
    watch(req, res) {
      if (!hasBody(req) || req.complete) return
      const t = now()
      const bytes = req.socket.bytesRead
      watched.set(req, {
        req,
        res,
        startedAt: t,
        startBytes: bytes,
        lastBytes: bytes,
        lastProgressAt: t,
      })
      req.on('end', onBodyEnd)
      if (timer === null) {
        timer = setInterval(sweep, intervalMs)
        timer.unref()
      }
    },
    close() {
      if (timer !== null) clearInterval(timer)
      timer = null
      watched.clear()
    },
  }
}

type Verdict = 'watch' | 'done' | 'CORRAL_ERR_BODY_IDLE' | 'CORRAL_ERR_BODY_SLOW'

function check(w: Watched, t: number, s: Config['server']): Verdict {
  const { req } = w
  if (req.complete || req.destroyed || req.socket.destroyed) return 'done'
  const bytes = req.socket.bytesRead
  if (bytes !== w.lastBytes) {
    w.lastBytes = bytes
    w.lastProgressAt = t
  }
  // Bytes already here and not yet read are the gateway's delay (a backend that reads
  // slowly holds the client back): the client is not to blame for them.
  if (req.readableLength > 0) {
    w.lastProgressAt = t
    return 'watch'
  }
  if (t - w.lastProgressAt >= s.bodyIdleTimeoutMs) return 'CORRAL_ERR_BODY_IDLE'
  const elapsedMs = t - w.startedAt
  if (elapsedMs < s.requestTimeoutMs) return 'watch'
  const rate = ((bytes - w.startBytes) * 1000) / elapsedMs
  return rate < s.bodyMinBytesPerSecond ? 'CORRAL_ERR_BODY_SLOW' : 'watch'
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  if (length !== undefined) return length !== '0'
  return req.headers['transfer-encoding'] !== undefined
}

/** Answer 408 (when nothing was answered yet) and close the connection. */
function cut(w: Watched, code: ErrorCode, s: Config['server']): void {
  const { req, res } = w
  const message =
    code === 'CORRAL_ERR_BODY_IDLE'
      ? `${ERRORS[code].message}: nothing arrived for ${Math.round(s.bodyIdleTimeoutMs / 1000)} s`
      : `${ERRORS[code].message}: slower than ${s.bodyMinBytesPerSecond} bytes/s after ${Math.round(s.requestTimeoutMs / 1000)} s`
  const socket = req.socket
  if (res.headersSent || res.writableEnded) {
    socket.destroy()
    return
  }
  // The dialect of the path as routed: `/ollama/v1/...` under a base path is OpenAI's.
  const dialect = dialectOf(stripBasePath(req.url ?? '/', s.basePath))
  const body = JSON.stringify(errorBody(dialect, code, message))
  res.shouldKeepAlive = false
  res.writeHead(ERRORS[code].status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  })
  res.end(body, () => socket.destroy())
  // A client that does not read its answer either is not waited for.
  setTimeout(() => socket.destroy(), 1000).unref()
}
