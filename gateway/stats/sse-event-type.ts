// The `type` of an SSE event's data, read off its text without parsing it: Anthropic's
// events put it first, Ollama's Responses events last (Go maps, keys sorted).

export const TYPE_PREFIX = '{"type":"'
const TYPE_KEY = '"type":"'
/**
 * The `type` of a Responses or Anthropic-style event, or null. Anthropic's events start
 * with it (`{"type":"…",…}`); Ollama's Responses events are Go maps, which encoding/json
 * writes with their keys sorted, so there `type` is the last key (`…,"type":"…"}`; ollama
 * openai/responses.go newEvent). A `"type":"` whose value ends the text is the top-level
 * one: a nested object's would be followed by another `}` or `]`, and inside a string its
 * quotes would be escaped.
 */
export function eventType(data: string): string | null {
  if (data.startsWith(TYPE_PREFIX)) {
    const end = data.indexOf('"', TYPE_PREFIX.length)
    return data.slice(TYPE_PREFIX.length, end === -1 ? undefined : end)
  }
  return lastKeyType(data)
}

function lastKeyType(data: string): string | null {
  let end = data.length
  while (end > 0 && data.charCodeAt(end - 1) <= 0x20) end--
  if (data.charCodeAt(end - 1) !== 0x7d || data.charCodeAt(end - 2) !== 0x22) return null
  const at = data.lastIndexOf(TYPE_KEY, end - 2)
  if (at === -1) return null
  const value = data.slice(at + TYPE_KEY.length, end - 2)
  return value.includes('"') ? null : value
}

/** Whether `buf[start, end)` ends with `"}`: possibly an event whose last key is `type`. */
export function endsWithStringMember(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 2 && buf[end - 1] === 0x7d && buf[end - 2] === 0x22
}
