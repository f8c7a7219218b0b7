// How deep a JSON body may nest. JSON.parse copes with any depth, but what Corral does with
// the value afterwards (JSON.stringify after a key's options or output cap, schema checks,
// walks) recurses, and 100,000 nested arrays overflowed the stack: a 500 instead of a 400.
// Go's encoding/json, which Ollama uses, stops at 10,000 (go src/encoding/json/scanner.go
// maxNestingDepth); real requests (tool schemas, structured output) nest a few dozen levels.

/** Deepest nesting of arrays and objects a body may have. */
export const MAX_JSON_DEPTH = 512

/** What a client is told when its body nests deeper. */
export const JSON_TOO_DEEP_MESSAGE = `request body nests arrays or objects more than ${MAX_JSON_DEPTH} levels deep; flatten it`

/**
 * Whether the JSON text nests deeper than `max`: one pass over the bytes, counting brackets
 * outside strings. Runs before JSON.parse; invalid JSON is left for the parser to refuse.
 */
export function jsonTooDeep(text: Buffer | string, max = MAX_JSON_DEPTH): boolean {
  const buf = typeof text === 'string' ? Buffer.from(text) : text
  let depth = 0
  let inString = false
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!
    if (inString) {
      if (c === 0x5c /* \ */) i++
      else if (c === 0x22 /* " */) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--
  }
  return false
}
