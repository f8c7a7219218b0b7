// OpenAI streams count their prompt only when the backend is asked for the usage: Ollama
// sends the usage chunk (`"choices":[]` and `"usage":{…}`, after the finish chunk, before
// `[DONE]`) only when the request sets `stream_options.include_usage` (ollama
// middleware/openai.go, ChatWriter and CompleteWriter; openai/openai.go StreamOptions), and
// most SDK clients do not set it. So the gateway asks for it, reads the counts, and takes
// that one chunk out of what such a client receives: it sees what Ollama would send it.

type Body = Record<string, unknown>

const STREAM_USAGE_PATHS = new Set(['/v1/chat/completions', '/v1/completions'])

/**
 * Sets `stream_options.include_usage` on a streamed /v1 chat or completions request that
 * did not ask for the usage; returns whether it did (the client must then not see the
 * usage chunk). A `stream_options` that is not an object is left for Ollama to refuse.
 */
export function askForStreamUsage(path: string, body: Body): boolean {
  if (!STREAM_USAGE_PATHS.has(path) || body.stream !== true) return false
  const current = body.stream_options
  if (current === undefined || current === null) {
    body.stream_options = { include_usage: true }
    return true
  }
  if (typeof current !== 'object' || Array.isArray(current)) return false
  const options = current as Body
  if (options.include_usage === true) return false
  body.stream_options = { ...options, include_usage: true }
  return true
}

/** Takes something out of a relayed body; what it holds back is copied. */
export interface BodyFilter {
  push(chunk: Buffer): Buffer
  end(): Buffer
}

const LF = 0x0a
const EMPTY = Buffer.alloc(0)
const DATA = 'data:'
const NO_CHOICES = '"choices":[]'
const USAGE = '"usage":{'
const NO_CHOICES_BYTES = Buffer.from(NO_CHOICES, 'latin1')

/** Whether an SSE line is Ollama's usage-only chunk. */
function isUsageChunk(line: string): boolean {
  return line.startsWith(DATA) && line.includes(NO_CHOICES) && line.includes(USAGE)
}

/**
 * Drops the usage-only event (its `data:` line and the blank line that ends it) from an
 * SSE stream, passing every other line through unchanged. A line split across reads is
 * held until its end comes (Ollama writes each event whole, so that is rare).
 */
export function createUsageChunkFilter(): BodyFilter {
  let carry: Buffer = EMPTY
  let dropBlank = false
  const lines = (bytes: Buffer, last: boolean): Buffer => {
    const out: Buffer[] = []
    let start = 0
    let from = 0
    for (let nl = bytes.indexOf(LF); nl !== -1; nl = bytes.indexOf(LF, start)) {
      const line = bytes.toString('latin1', start, nl).replace(/\r$/, '')
      if (dropBlank && line === '') {
        dropBlank = false
      } else if (isUsageChunk(line)) {
        dropBlank = true
      } else {
        dropBlank = false
        start = nl + 1
        continue
      }
      if (start > from) out.push(bytes.subarray(from, start))
      start = nl + 1
      from = start
    }
    if (from < start) out.push(bytes.subarray(from, start))
    // The end of the stream: a last line without its newline goes out as it is.
    if (last && start < bytes.length) out.push(bytes.subarray(start))
    carry = last ? EMPTY : Buffer.from(bytes.subarray(start))
    return out.length === 1 ? Buffer.from(out[0]!) : Buffer.concat(out)
  }
  return {
    push(chunk) {
      // The usual read: whole events, none of them the usage chunk. Passed on as it is.
      if (
        carry.length === 0 &&
        !dropBlank &&
        chunk[chunk.length - 1] === LF &&
        !chunk.includes(NO_CHOICES_BYTES)
      ) {
        return chunk
      }
      return lines(carry.length === 0 ? chunk : Buffer.concat([carry, chunk]), false)
    },
    end() {
      return carry.length === 0 ? EMPTY : lines(carry, true)
    },
  }
}
