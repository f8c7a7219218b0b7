// How an error reaches a client of the proxy, in its dialect: a JSON answer when nothing of
// the answer has gone out yet, a last frame its stream parser reads when a stream has begun.
// A module of its own, below the relay (upstream-exchange.ts) and what drives it
// (dispatch.ts, relay-state.ts), which all end answers this way.
import type { ServerResponse } from 'node:http'
import { errorBody, type CorralError, type Dialect } from '../errors.js'

/** One stream frame carrying an error, as each client's stream parser expects it. */
export function errorFrame(dialect: Dialect, err: CorralError): string {
  const body = errorBody(dialect, err.code, err.message)
  switch (dialect) {
    case 'ollama':
      return `${JSON.stringify(body)}\n`
    case 'openai':
      return `data: ${JSON.stringify(body)}\n\n`
    // A named event: the Anthropic SDK ignores unnamed ones, so a cut stream would look whole.
    case 'anthropic':
      return `event: error\ndata: ${JSON.stringify(body)}\n\n`
    case 'responses': {
      // The Responses API's error event (type, code, message), with the error object too so
      // SDKs that look for `error` see it.
      const code = err.code.toLowerCase()
      const event = { type: 'error', code, message: err.message, param: null, ...(body as object) }
      return `event: error\ndata: ${JSON.stringify(event)}\n\n`
    }
  }
}

/** An error before any response byte: a normal JSON error in the client's dialect. */
export function writeError(res: ServerResponse, dialect: Dialect, err: CorralError): void {
  if (res.headersSent || res.destroyed) {
    if (!res.writableEnded) res.destroy()
    return
  }
  const body = JSON.stringify(errorBody(dialect, err.code, err.message))
  res.writeHead(err.status, {
    ...err.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}
