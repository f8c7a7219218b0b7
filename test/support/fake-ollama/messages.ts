// /v1/messages, Anthropic's Messages API (middleware/anthropic.go, anthropic/anthropic.go):
// `event: <type>` + `data: <json>` per event (the structs' field order), errors as
// `{"type":"error","error":{"type","message"},"request_id"}`.
import { randomBytes } from 'node:crypto'
import type { Ctx, ErrorFn, FakeState, Frame, Json } from './types.js'
import { frameCount, inferenceModel, jsonBody, metrics, sendJson } from './respond.js'
import { fullText, obj, pace, str, textOf, words } from './util.js'

/** anthropic/anthropic.go NewError. */
export function anthropicErrorBody(status: number, message: string): Json {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    429: 'rate_limit_error',
    503: 'overloaded_error',
    529: 'overloaded_error',
  }
  return {
    type: 'error',
    error: { type: types[status] ?? 'api_error', message },
    request_id: `req_${randomBytes(12).toString('hex')}`,
  }
}

export const anthropicError: ErrorFn = (c, status, message) =>
  sendJson(c, status, anthropicErrorBody(status, message))

/** anthropic/anthropic.go mapStopReason. */
const stopReason = (reason: string): string => (reason === 'length' ? 'max_tokens' : 'end_turn')

export async function v1Messages(s: FakeState, c: Ctx): Promise<void> {
  const b = jsonBody(c, anthropicError)
  if (!b) return
  // middleware/anthropic.go AnthropicMessagesMiddleware, in its order.
  if (!str(b.model)) return anthropicError(c, 400, 'model is required')
  if (!(typeof b.max_tokens === 'number' && b.max_tokens > 0)) {
    return anthropicError(c, 400, 'max_tokens is required and must be positive')
  }
  const messages = Array.isArray(b.messages) ? (b.messages as unknown[]) : []
  if (messages.length === 0) return anthropicError(c, 400, 'messages is required')
  if (!inferenceModel(s, c, str(b.model), 'chat', anthropicError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  const system = typeof b.system === 'string' ? b.system : textOf(b.system)
  const promptCount = words(system) + words(messages.map((m) => textOf(obj(m).content)).join(' '))
  const { count, reason } = frameCount(s, b.max_tokens)
  const id = `msg_${randomBytes(12).toString('hex')}`
  const message = (content: unknown[], output: number, stop?: string): Json => ({
    id,
    type: 'message',
    role: 'assistant',
    model: str(b.model),
    content,
    ...(stop ? { stop_reason: stop } : {}),
    usage: { input_tokens: promptCount, output_tokens: output },
  })
  if (b.stream !== true) {
    if (!(await s.wait(c, pace(s, count)))) return
    const text = fullText(s, count)
    return sendJson(c, 200, message([{ type: 'text', text }], count, stopReason(reason)))
  }
  const head: Frame[] = [
    { type: 'message_start', message: message([], 0) },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  ]
  await s.stream(c, {
    sse: true,
    named: true,
    doneMarker: false,
    count: count + head.length,
    frame: (i) =>
      i < head.length
        ? head[i]!
        : {
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'text_delta', text: s.token(i - head.length) },
          },
    tail: (sent) => {
      const m = metrics(s, c, promptCount, sent - head.length)
      return [
        { type: 'content_block_stop', index: 0 },
        {
          type: 'message_delta',
          delta: { stop_reason: stopReason(reason) },
          usage: { input_tokens: m.prompt_eval_count, output_tokens: m.eval_count },
        },
        { type: 'message_stop' },
      ]
    },
  })
}
