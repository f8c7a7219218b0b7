// A request's prompt tokens as estimated before the backend counts them: the characters of
// the text it sends, divided by CHARS_PER_TOKEN (the usual rule of thumb for English with
// the tokenizers of Llama, Qwen, Gemma...). The token limit charges this when the request is
// admitted and settles it to the backend's count when the final frame comes (admission.ts),
// so a client that reads one frame and leaves, or drops a `stream:false` request, still pays
// for the prompt the GPU read. Images and tool definitions are not counted.

import { forEachItem, forEachMember, nameIs, stringLength } from '../lazy-json/raw-walk.js'
import { isLazyBody, unreadMember } from '../lazy-json/lazy-body.js'

/** Characters per token, rounded up per request. */
export const CHARS_PER_TOKEN = 4

/** The fields that carry prompt text, on the Ollama and OpenAI-compatible routes alike. */
const TEXT_FIELDS = ['prompt', 'system', 'suffix', 'instructions', 'input', 'messages'] as const
/** How deep a message list is looked into (messages → content parts → text). */
const MAX_DEPTH = 4

/** The estimated prompt tokens of a request body (0 without text). */
export function estimatePromptTokens(body: Record<string, unknown> | null): number {
  if (body === null) return 0
  let chars = 0
  const lazy = isLazyBody(body)
  for (const field of TEXT_FIELDS) {
    // A member not parsed yet (a large `messages`: lazy-json/lazy-body.ts) is counted from its
    // bytes, so that the estimate does not make the gateway parse what it only forwards.
    const raw = lazy ? unreadMember(body, field) : null
    chars +=
      raw === null ? textLength(body[field], 0) : rawTextLength(raw.buf, raw.member.valueStart, 0)
  }
  return Math.ceil(chars / CHARS_PER_TOKEN)
}

/**
 * Characters of text in a value: a string; the strings of an array (an embed's inputs, a
 * message list, content parts); an object's `content`, `text` and `thinking` (a message, a
 * content part, a Responses input item).
 */
function textLength(value: unknown, depth: number): number {
  if (typeof value === 'string') return value.length
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return 0
  let n = 0
  if (Array.isArray(value)) {
    for (const item of value) n += textLength(item, depth + 1)
    return n
  }
  const o = value as Record<string, unknown>
  for (const field of NESTED_TEXT) n += textLength(o[field], depth + 1)
  return n
}

const NESTED_TEXT = ['content', 'text', 'thinking'] as const

/** textLength of the JSON value whose text starts at `buf[i]`, read from the bytes. */
function rawTextLength(buf: Buffer, i: number, depth: number): number {
  const c = buf[i]
  if (c === 0x22) return stringLength(buf, i)
  if (depth >= MAX_DEPTH) return 0
  let n = 0
  if (c === 0x5b) {
    forEachItem(buf, i, (start) => (n += rawTextLength(buf, start, depth + 1)))
    return n
  }
  if (c !== 0x7b) return 0
  // A repeated name: its last value counts, as on the parsed object.
  const found: number[] = [-1, -1, -1]
  forEachMember(buf, i, (nameStart, nameEnd, valueStart) => {
    for (let f = 0; f < NESTED_TEXT.length; f++) {
      if (nameIs(buf, nameStart, nameEnd, NESTED_TEXT[f]!)) found[f] = valueStart
    }
  })
  for (const start of found) if (start !== -1) n += rawTextLength(buf, start, depth + 1)
  return n
}
