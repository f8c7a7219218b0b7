// Token counts as the usage tap accumulates them, and how they are read from the one
// JSON document (a final frame, a usage event, a whole body) that carries them.
import { countOf, errorOf, isRecord, parseJson, scanCount, scanError } from './json-scan.js'

export type Dialect = 'ollama' | 'openai'

export interface Usage {
  promptTokens: number | null
  completionTokens: number | null
  /** Frames or SSE events that carried generated text (streams only). */
  contentChunks: number
  /** The backend said it finished: a `"done":true` frame, `[DONE]`, or a whole JSON body. */
  done: boolean
  /** The backend's error message, from an error frame or an error body. */
  error: string | null
  /** `completionTokens` counts content chunks because the stream reported no usage. */
  estimated: boolean
}

/** Feed the raw response bytes in order as they pass, then call `end` once. Never throws. */
export interface UsageTap {
  /** Takes `chunk[start, end)` (the whole chunk by default); bytes it keeps, it copies. */
  push(chunk: Uint8Array, start?: number, end?: number): void
  end(): Usage
  /** Content frames counted so far (a live tokens/s; 0 for a body that is not a stream). */
  chunks(): number
}

const OLLAMA_PROMPT = ['prompt_eval_count']
const OLLAMA_COMPLETION = ['eval_count']
const OPENAI_PROMPT = ['prompt_tokens', 'input_tokens']
const OPENAI_COMPLETION = ['completion_tokens', 'output_tokens']

export class UsageState {
  promptTokens: number | null = null
  completionTokens: number | null = null
  contentChunks = 0
  done = false
  error: string | null = null
  sawUsage = false

  setCounts(prompt: number | null, completion: number | null): void {
    if (prompt !== null) this.promptTokens = prompt
    if (completion !== null) this.completionTokens = completion
    if (prompt !== null || completion !== null) this.sawUsage = true
  }

  /** A stream without usage counts its content chunks (Ollama: only if it had any). */
  result(dialect: Dialect, streaming: boolean): Usage {
    const estimate = streaming && !this.sawUsage && (dialect === 'openai' || this.contentChunks > 0)
    return {
      promptTokens: this.promptTokens,
      completionTokens: estimate ? this.contentChunks : this.completionTokens,
      contentChunks: this.contentChunks,
      done: this.done,
      error: this.error,
      estimated: estimate,
    }
  }
}

/** Reads counts and error from one JSON document (UTF-8 text), parsed if whole, scanned if not. */
export function readCounts(
  state: UsageState,
  text: string,
  truncated: boolean,
  dialect: Dialect,
): unknown {
  const value = parseJson(text, truncated)
  if (value !== undefined) {
    const usage = dialect === 'ollama' ? value : findUsage(value)
    if (isRecord(usage)) {
      state.setCounts(
        countOf(firstOf(usage, dialect === 'ollama' ? OLLAMA_PROMPT : OPENAI_PROMPT)),
        countOf(firstOf(usage, dialect === 'ollama' ? OLLAMA_COMPLETION : OPENAI_COMPLETION)),
      )
    }
    state.error ??= errorOf(value)
    return value
  }
  state.setCounts(
    scanCount(text, dialect === 'ollama' ? OLLAMA_PROMPT : OPENAI_PROMPT),
    scanCount(text, dialect === 'ollama' ? OLLAMA_COMPLETION : OPENAI_COMPLETION),
  )
  state.error ??= scanError(text)
  return undefined
}

const firstOf = (record: Record<string, unknown>, names: readonly string[]): unknown =>
  names.map((name) => record[name]).find((value) => value !== undefined)

/** OpenAI chat `usage`, Responses `response.usage`, Anthropic `message.usage`. */
function findUsage(value: unknown): unknown {
  if (!isRecord(value)) return undefined
  if (isRecord(value.usage)) return value.usage
  if (isRecord(value.response) && isRecord(value.response.usage)) return value.response.usage
  if (isRecord(value.message) && isRecord(value.message.usage)) return value.message.usage
  return undefined
}
