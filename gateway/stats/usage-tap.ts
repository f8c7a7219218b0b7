// Token usage read off a response as its bytes pass through, without slowing it down.
// Lines are byte ranges of the chunk (line-splitter.ts); an ordinary content frame is
// recognised on its bytes by native compares and searches, with no string or object made
// for it. Any other line is decoded as latin1 and classified by cheap probes on that text
// (json-scan.ts); JSON.parse runs only on the one frame that carries the usage
// (Ollama's `"done":true` frame, an SSE event with a `"usage":{…}` object, an error) or
// once on a non-streaming body. Memory is bounded: a line or body longer than
// HEAD_BYTES + 2 × TAIL_BYTES keeps only its head and tail, where the fields we need
// sit, and those are then read by regular expressions.
import { BoundedBuffer, BoundedText, LineSplitter } from './line-splitter.js'
import {
  carriesContent,
  carriesContentBytes,
  endsWithBytes,
  jsonKeyBytes,
  startsWithBytes,
  hasValue,
  isBlank,
  isNonEmptyArray,
  isObject,
  isRecord,
  isStringOrObject,
  isTrue,
  jsonKey,
  utf8Of,
} from './json-scan.js'
import { endsWithStringMember, eventType, TYPE_PREFIX } from './sse-event-type.js'
import { readCounts, UsageState, type Dialect, type Usage, type UsageTap } from './usage-counts.js'
import { dialectOf } from '../errors.js'

export type { Dialect, Usage, UsageTap } from './usage-counts.js'

const DONE = jsonKey('done')
const ERROR = jsonKey('error')
const USAGE = jsonKey('usage')
const TOOL_CALLS = jsonKey('tool_calls')
const STATUS_SUCCESS = '"status":"success"'
const NOT_DONE_SUFFIX = Buffer.from('"done":false}', 'latin1')
const OLLAMA_TEXT = ['content', 'response', 'thinking'].map(jsonKey)
/** Where chat-completion and completion chunks carry generated text. */
const CHUNK_TEXT_NAMES = ['content', 'text', 'reasoning', 'reasoning_content', 'arguments']
const CHUNK_TEXT = CHUNK_TEXT_NAMES.map(jsonKey)
const CHUNK_TEXT_BYTES = CHUNK_TEXT_NAMES.map(jsonKeyBytes)
const OPENAI_TEXT = [
  'content',
  'text',
  'delta',
  'reasoning',
  'reasoning_content',
  'thinking',
  'arguments',
  'partial_json',
  'refusal',
].map(jsonKey)
const SSE_DATA = 'data:'
const SSE_DATA_BYTES = Buffer.from(SSE_DATA, 'latin1')
const SSE_DONE = '[DONE]'
const TYPE_PREFIX_BYTES = Buffer.from(TYPE_PREFIX, 'latin1')
const TERMINAL_TYPES = new Set(['response.completed', 'message_stop'])
/** `response.output_text.delta`, `content_block_delta`…; not `message_delta` (usage). */
const isDeltaType = (type: string): boolean =>
  type !== 'message_delta' && (type.endsWith('.delta') || type.endsWith('_delta'))

/**
 * A tap for one response. `streaming` must describe the response as sent (NDJSON or SSE,
 * from its Content-Type), not the request's `stream` flag: an error answer to a
 * streaming request is a plain JSON body.
 */
export function createUsageTap(dialect: Dialect, opts: { streaming: boolean }): UsageTap {
  if (!opts.streaming) return guard(new WholeBody(dialect))
  return guard(dialect === 'ollama' ? new OllamaStream() : new SseStream())
}

/** `/v1/...` speaks OpenAI; everything else Ollama (the gateway's one rule for it). */
/** The stream format a path's answers use: Ollama's NDJSON, or SSE under /v1. */
export const dialectForPath = (path: string): Dialect =>
  dialectOf(path) === 'ollama' ? 'ollama' : 'openai'

/** Whether a response's Content-Type is a stream the tap parses frame by frame. */
export function isStreamingContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const type = contentType.toLowerCase()
  return type.includes('ndjson') || type.includes('text/event-stream')
}

interface Parser {
  /** `chunk[start, end)`, valid during the call only. */
  push(chunk: Buffer, start: number, end: number): void
  end(): Usage
  chunks(): number
}

/** Ollama NDJSON: one JSON object per line; the last has `"done":true` and the counts. */
class OllamaStream implements Parser {
  private readonly state = new UsageState()
  private readonly lines = new LineSplitter((buf, start, end, truncated) =>
    this.onLine(buf, start, end, truncated),
  )

  push(chunk: Buffer, start: number, end: number): void {
    this.lines.push(chunk, start, end)
  }

  chunks(): number {
    return this.state.contentChunks
  }

  end(): Usage {
    this.lines.end()
    return this.state.result('ollama', true)
  }

  private onLine(buf: Buffer, start: number, end: number, truncated: boolean): void {
    // Fast path, on the bytes: Go's encoder puts `done` last in every frame but the final one.
    if (endsWithBytes(buf, start, end, NOT_DONE_SUFFIX)) {
      this.state.contentChunks++
      return
    }
    if (start === end) return
    const line = buf.toString('latin1', start, end)
    if (isBlank(line)) return
    if (hasValue(line, DONE, isTrue)) {
      readCounts(this.state, utf8Of(line), truncated, 'ollama')
      this.state.done = this.state.error === null
    } else if (hasValue(line, ERROR, isStringOrObject)) {
      readCounts(this.state, utf8Of(line), truncated, 'ollama')
    } else if (line.includes(STATUS_SUCCESS)) {
      this.state.done = true // the end of a pull, push or create stream
    } else if (carriesContent(line, OLLAMA_TEXT) || hasValue(line, TOOL_CALLS, isNonEmptyArray)) {
      this.state.contentChunks++
    }
  }
}

/** OpenAI-style Server-Sent Events: `data:` lines, events ended by a blank line. */
class SseStream implements Parser {
  private readonly state = new UsageState()
  private readonly lines = new LineSplitter((buf, start, end, truncated) =>
    this.onLine(buf, start, end, truncated),
  )
  private readonly data = new BoundedText()
  private hasData = false
  private truncated = false
  /** This event was counted from its first line's bytes: its other lines are skipped. */
  private counted = false

  push(chunk: Buffer, start: number, end: number): void {
    this.lines.push(chunk, start, end)
  }

  chunks(): number {
    return this.state.contentChunks
  }

  end(): Usage {
    this.lines.end()
    this.dispatch()
    return this.state.result('openai', true)
  }

  private onLine(buf: Buffer, start: number, end: number, truncated: boolean): void {
    if (start === end) {
      this.counted = false
      return this.dispatch()
    }
    if (this.counted) return
    if (!this.hasData && this.isContentChunk(buf, start, end)) {
      // Fast path, on the bytes: a chat chunk that carries text never carries the usage.
      this.state.contentChunks++
      this.counted = true
      return
    }
    const line = buf.toString('latin1', start, end)
    let value: string
    if (line.startsWith(SSE_DATA)) {
      value = line.slice(
        line.charCodeAt(SSE_DATA.length) === 0x20 ? SSE_DATA.length + 1 : SSE_DATA.length,
      )
    } else if (line.charCodeAt(0) === 0x7b) {
      value = line // a plain JSON body (an error answer) where events were expected
    } else {
      return // event:, id:, retry:, comments
    }
    if (this.hasData) this.data.append('\n')
    this.data.append(value)
    this.hasData = true
    this.truncated ||= truncated
  }

  /** `data: {…}` (not a typed event) whose bytes carry generated text. */
  private isContentChunk(buf: Buffer, start: number, end: number): boolean {
    if (!startsWithBytes(buf, start, end, SSE_DATA_BYTES)) return false
    let from = start + SSE_DATA_BYTES.length
    if (buf[from] === 0x20) from++
    if (buf[from] !== 0x7b || startsWithBytes(buf, from, end, TYPE_PREFIX_BYTES)) return false
    // A chat chunk ends with `]}` or `}}`; Ollama's Responses events end with their `type`
    // (the final one carries the whole answer as `text` and the usage).
    if (endsWithStringMember(buf, from, end)) return false
    return carriesContentBytes(buf, from, end, CHUNK_TEXT_BYTES)
  }

  private dispatch(): void {
    if (!this.hasData) return
    const { text, truncated } = this.data.take()
    const wasTruncated = truncated || this.truncated
    this.hasData = false
    this.truncated = false
    this.onEvent(text, wasTruncated)
  }

  private onEvent(data: string, truncated: boolean): void {
    if (data === SSE_DONE) {
      this.state.done = true
      return
    }
    const type = eventType(data)
    if (type === null ? carriesContent(data, CHUNK_TEXT) : isDeltaType(type)) {
      // Fast path: a chunk or delta that carries text never carries the usage object.
      if (type === null || carriesContent(data, OPENAI_TEXT)) this.state.contentChunks++
      return
    }
    if (hasValue(data, USAGE, isObject)) {
      readCounts(this.state, utf8Of(data), truncated, 'openai') // the usage chunk is not content
    } else if (hasValue(data, ERROR, isStringOrObject)) {
      readCounts(this.state, utf8Of(data), truncated, 'openai')
    } else if (carriesContent(data, OPENAI_TEXT)) {
      this.state.contentChunks++
    }
    if (type !== null && TERMINAL_TYPES.has(type)) this.state.done = true
  }
}

/** A non-streaming response: one JSON document, read once at the end. */
class WholeBody implements Parser {
  private readonly state = new UsageState()
  private readonly body = new BoundedBuffer()

  constructor(private readonly dialect: Dialect) {}

  push(chunk: Buffer, start: number, end: number): void {
    this.body.append(chunk.subarray(start, end))
  }

  chunks(): number {
    return 0
  }

  end(): Usage {
    const { bytes, truncated } = this.body.take()
    if (bytes.length > 0) {
      const text = bytes.toString('utf8')
      const value = readCounts(this.state, text, truncated, this.dialect)
      const complete =
        value !== undefined
          ? !(isRecord(value) && value.done === false)
          : truncated && /[}\]]\s*$/.test(text.slice(-16))
      this.state.done = complete && this.state.error === null
    }
    return this.state.result(this.dialect, false)
  }
}

const EMPTY_USAGE: Usage = {
  promptTokens: null,
  completionTokens: null,
  contentChunks: 0,
  done: false,
  error: null,
  estimated: false,
}

/** The tap sits on the response path: a bug in it must cost the stats, never the stream. */
function guard(parser: Parser): UsageTap {
  let failed = false
  let result: Usage | null = null
  return {
    push(chunk, start = 0, end = chunk.length) {
      if (failed || result !== null) return
      try {
        parser.push(
          Buffer.isBuffer(chunk)
            ? chunk
            : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
          start,
          end,
        )
      } catch {
        failed = true
      }
    },
    chunks() {
      return failed ? 0 : parser.chunks()
    },
    end() {
      if (result !== null) return result
      try {
        result = parser.end()
      } catch {
        result = { ...EMPTY_USAGE }
      }
      return result
    },
  }
}
