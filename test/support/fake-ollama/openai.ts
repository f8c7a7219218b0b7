// Ollama's OpenAI-compatible API (middleware/openai.go, openai/openai.go).
import type { Ctx, FakeState, Frame, Handler, Json } from './types.js'
import { frameCount, inferenceModel, jsonBody, openaiError, sendJson } from './respond.js'
import {
  MODIFIED_UNIX_S,
  fullText,
  inputsOf,
  obj,
  ownerOf,
  pace,
  str,
  textOf,
  unixNow,
  vector,
  words,
} from './util.js'

export function openaiText(
  s: FakeState,
  c: Ctx,
  b: Json,
  promptCount: number,
  kind: 'chat' | 'text',
): Promise<void> | void {
  const model = str(b.model)
  const { count, reason } = frameCount(s, b.max_tokens)
  const id = kind === 'chat' ? `chatcmpl-${s.nextId()}` : `cmpl-${s.nextId()}`
  const created = unixNow()
  const object = kind === 'chat' ? 'chat.completion' : 'text_completion'
  const usage = (n: number): Json => ({
    prompt_tokens: promptCount,
    completion_tokens: n,
    total_tokens: promptCount + n,
  })
  const head = (obj: string): Frame => ({
    id,
    object: obj,
    created,
    model,
    system_fingerprint: 'fp_ollama',
  })
  const choice = (text: string, finish: string | null, stream: boolean): Json => {
    if (kind === 'text') return { text, index: 0, finish_reason: finish }
    const message = { role: 'assistant', content: text }
    return stream
      ? { index: 0, delta: message, finish_reason: finish }
      : { index: 0, message, finish_reason: finish }
  }
  if (b.stream !== true) {
    return s.wait(c, pace(s, count)).then((here) => {
      if (!here) return
      const choices = [choice(fullText(s, count), reason, false)]
      sendJson(c, 200, { ...head(object), choices, usage: usage(count) })
    })
  }
  const chunkObject = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion'
  const chunk = (text: string, finish: string | null): Frame => ({
    ...head(chunkObject),
    choices: [choice(text, finish, true)],
  })
  return s.stream(c, {
    sse: true,
    count,
    frame: (i) => chunk(s.token(i), null),
    tail: (sent) => {
      const out = [chunk('', reason)]
      const includeUsage = obj(b.stream_options).include_usage === true
      if (includeUsage) out.push({ ...head(chunkObject), choices: [], usage: usage(sent) })
      return out
    },
  })
}

export const v1Chat: Handler = async (s, c) => {
  const b = jsonBody(c, openaiError)
  if (!b) return
  const messages = Array.isArray(b.messages) ? (b.messages as unknown[]) : []
  if (messages.length === 0) return openaiError(c, 400, "[] is too short - 'messages'")
  if (!inferenceModel(s, c, str(b.model), 'chat', openaiError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  const prompt = messages.map((m) => textOf(obj(m).content)).join(' ')
  await openaiText(s, c, b, words(prompt), 'chat')
}

export const v1Completions: Handler = async (s, c) => {
  const b = jsonBody(c, openaiError)
  if (!b) return
  if (b.prompt !== undefined && typeof b.prompt !== 'string') {
    return openaiError(c, 400, 'prompt must be a string')
  }
  if (!inferenceModel(s, c, str(b.model), 'generate', openaiError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  await openaiText(s, c, b, words(str(b.prompt)), 'text')
}

export const v1Embeddings: Handler = async (s, c) => {
  const b = jsonBody(c, openaiError)
  if (!b) return
  const format = str(b.encoding_format).toLowerCase()
  if (b.encoding_format !== undefined && format !== 'float' && format !== 'base64') {
    const msg = `Invalid value for 'encoding_format' = ${format}. Supported values: ['float', 'base64'].`
    return openaiError(c, 400, msg)
  }
  const inputs = inputsOf(b.input)
  if (!inputs || inputs.length === 0) return openaiError(c, 400, 'invalid input')
  const model = str(b.model)
  if (!inferenceModel(s, c, model, 'embed', openaiError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  const encode = (v: number[]): number[] | string =>
    format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v
  const data = inputs.map((t, index) => ({
    object: 'embedding',
    embedding: encode(vector(t)),
    index,
  }))
  const n = inputs.reduce((sum, t) => sum + words(t), 0)
  sendJson(c, 200, { object: 'list', data, model, usage: { prompt_tokens: n, total_tokens: n } })
}

export const openaiModel = (name: string): Json => ({
  id: name,
  object: 'model',
  created: MODIFIED_UNIX_S,
  owned_by: ownerOf(name),
})

export const v1Models: Handler = (s, c) =>
  sendJson(c, 200, { object: 'list', data: s.options.models.map((m) => openaiModel(m.name)) })

export const v1Model: Handler = (s, c) => {
  const name = c.params.model ?? ''
  if (!s.findModel(name)) return openaiError(c, 404, `model '${name}' not found`)
  sendJson(c, 200, openaiModel(name))
}
