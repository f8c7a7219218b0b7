// How a frame goes on the wire: NDJSON for the native API (server/routes.go streamResponse),
// `data:` lines for /v1 (middleware/openai.go), `event:` + `data:` for Responses and Messages.
import type { Frame, StreamSpec } from './types.js'
import { now } from './util.js'

/**
 * The frame with `sent_at` (epoch ms, taken now) placed before `done`, so the fields keep
 * the order Ollama's Go encoder writes (`done` last in every frame but the final one).
 */
function stamped(frame: Frame): Frame {
  const out: Frame = {}
  let stampedAt = false
  for (const key of Object.keys(frame)) {
    if (key === 'done') {
      out.sent_at = now()
      stampedAt = true
    }
    out[key] = frame[key]
  }
  if (!stampedAt) out.sent_at = now()
  return out
}

export function encodeFrame(frame: Frame, spec: StreamSpec, stamp: boolean): string {
  if (stamp) frame = stamped(frame)
  const json = JSON.stringify(frame)
  if (!spec.sse) return `${json}\n`
  if (spec.named) return `event: ${String(frame.type)}\ndata: ${json}\n\n`
  return `data: ${json}\n\n`
}

/** What follows the last frame: `data: [DONE]` on chat/completions and completions streams. */
export const streamEnd = (spec: StreamSpec): string =>
  spec.sse && spec.doneMarker !== false ? 'data: [DONE]\n\n' : ''
