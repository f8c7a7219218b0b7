// A request's prompt tokens as estimated before the backend counts them: the characters of
// the text it sends, divided by CHARS_PER_TOKEN (the usual rule of thumb for English with
// the tokenizers of Llama, Qwen, Gemma...). The token limit charges this when the request is
// admitted and settles it to the backend's count when the final frame comes (admission.ts),
// so a client that reads one frame and leaves, or drops a `stream:false` request, still pays
// for the prompt the GPU read. Images and tool definitions are not counted.

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
  for (const field of TEXT_FIELDS) chars += textLength(body[field], 0)
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
  for (const field of ['content', 'text', 'thinking']) n += textLength(o[field], depth + 1)
  return n
}
