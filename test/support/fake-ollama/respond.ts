// Writing answers, and the request checks every handler shares.
import { performance } from 'node:perf_hooks'
import type { Ctx, ErrorFn, FakeModel, FakeState, Json } from './types.js'
import { isEmbeddingOnly, NS_PER_MS } from './util.js'

export function send(c: Ctx, status: number, type: string, body: string): void {
  if (c.gone) return
  if (c.breakAfter !== undefined) {
    // A non-streamed answer cut by break-mid-stream: full Content-Length, half the bytes.
    c.res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
    c.res.write(body.slice(0, Math.floor(body.length / 2)))
    cutConnection(c)
    return
  }
  c.res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
  c.res.end(body)
}

export const sendJson = (c: Ctx, status: number, value: unknown): void =>
  send(c, status, 'application/json; charset=utf-8', JSON.stringify(value))

export const sendEmpty = (c: Ctx, status: number): void => send(c, status, 'text/plain', '')

export const ollamaError: ErrorFn = (c, status, message) => sendJson(c, status, { error: message })

export const openaiError: ErrorFn = (c, status, message) => {
  const type =
    status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error'
  sendJson(c, status, { error: { message, type, param: null, code: null } })
}

export const notFoundPage = (c: Ctx): void => send(c, 404, 'text/plain', '404 page not found')

/** Flush what was written, then drop the connection (no final frame, no terminating chunk). */
export function cutConnection(c: Ctx): void {
  c.cut = true
  if (!c.res.headersSent) c.res.flushHeaders()
  const socket = c.req.socket
  socket.end(() => socket.destroy())
}

export function jsonBody(c: Ctx, err: ErrorFn): Json | undefined {
  if (c.body === undefined) return void err(c, 400, 'missing request body')
  if (Buffer.isBuffer(c.body)) return void err(c, 400, 'invalid JSON in request body')
  if (typeof c.body !== 'object' || c.body === null || Array.isArray(c.body)) {
    return void err(c, 400, 'request body must be a JSON object')
  }
  return c.body as Json
}

/** The requested model, or undefined after answering 400/404 like Ollama does. */
export function inferenceModel(
  s: FakeState,
  c: Ctx,
  name: string,
  op: 'generate' | 'chat' | 'embed',
  err: ErrorFn,
): FakeModel | undefined {
  if (!name) return void err(c, 400, 'model is required')
  const model = s.findModel(name)
  if (!model) return void err(c, 404, `model "${name}" not found, try pulling it first`)
  if (op !== 'embed' && isEmbeddingOnly(model)) {
    return void err(c, 400, `"${name}" does not support ${op}`)
  }
  return model
}

/** How many content frames to send, and why generation stops. */
export function frameCount(s: FakeState, cap: unknown): { count: number; reason: string } {
  const n = s.options.frames
  if (typeof cap === 'number' && cap >= 0 && cap < n) return { count: cap, reason: 'length' }
  return { count: n, reason: 'stop' }
}

export function metrics(s: FakeState, c: Ctx, promptCount: number, evalCount: number): Json {
  const o = s.options
  return {
    total_duration: Math.max(1, Math.round((performance.now() - c.start) * NS_PER_MS)),
    load_duration: Math.max(1, Math.round(o.firstByteDelayMs * NS_PER_MS)),
    prompt_eval_count: promptCount,
    prompt_eval_duration: Math.max(1, promptCount * 50_000),
    eval_count: evalCount,
    eval_duration: Math.max(
      1,
      Math.round(Math.max(0, evalCount - 1) * o.frameIntervalMs * NS_PER_MS),
    ),
  }
}
