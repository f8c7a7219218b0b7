// /v1/responses (middleware/openai.go ResponsesMiddleware, openai/responses.go): the stream is
// `event: <type>` + `data: <json>` per event, no `[DONE]`. Each event's data is a Go map, so
// encoding/json writes its keys sorted (`type` comes after `sequence_number`, near the end), and
// the final `response.completed` carries the whole answer text and the usage.
import type { Ctx, FakeState, Frame, Json } from './types.js'
import { inferenceModel, jsonBody, metrics, openaiError, sendJson, frameCount } from './respond.js'
import { fullText, obj, pace, str, textOf, unixNow, words } from './util.js'

/** Go's encoding/json on map[string]any: keys sorted at every depth. */
export function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys)
  if (!v || typeof v !== 'object') return v
  const out: Json = {}
  for (const k of Object.keys(v).sort()) out[k] = sortedKeys((v as Json)[k])
  return out
}

function promptOf(input: unknown): string {
  if (typeof input === 'string') return input
  if (!Array.isArray(input)) return ''
  return input.map((item) => textOf(obj(item).content)).join(' ')
}

const part = (text: string): Json => ({ type: 'output_text', text, annotations: [], logprobs: [] })

/** openai/responses.go buildResponseObject (the fields a client reads). */
function responseObject(
  b: Json,
  id: string,
  status: string,
  output: unknown[],
  usage: unknown,
): Json {
  return {
    id,
    object: 'response',
    created_at: unixNow(),
    completed_at: status === 'completed' ? unixNow() : null,
    status,
    model: str(b.model),
    output,
    error: null,
    usage,
    max_output_tokens: b.max_output_tokens ?? null,
    metadata: {},
  }
}

export async function v1Responses(s: FakeState, c: Ctx): Promise<void> {
  const b = jsonBody(c, openaiError)
  if (!b) return
  if (!inferenceModel(s, c, str(b.model), 'chat', openaiError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  const promptCount = words(promptOf(b.input)) + words(str(b.instructions))
  const { count } = frameCount(s, b.max_output_tokens)
  const n = s.nextId()
  const [id, itemId] = [`resp_${n}`, `msg_${n}`]
  const usage = (sent: number): Json => {
    const m = metrics(s, c, promptCount, sent)
    const [input, output] = [Number(m.prompt_eval_count), Number(m.eval_count)]
    return {
      input_tokens: input,
      output_tokens: output,
      total_tokens: input + output,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    }
  }
  const message = (text: string, status: string): Json => ({
    id: itemId,
    type: 'message',
    status,
    role: 'assistant',
    content: status === 'completed' ? [part(text)] : [],
  })
  if (b.stream !== true) {
    if (!(await s.wait(c, pace(s, count)))) return
    const text = fullText(s, count)
    return sendJson(
      c,
      200,
      responseObject(b, id, 'completed', [message(text, 'completed')], usage(count)),
    )
  }
  let seq = 0
  const ev = (type: string, data: Json): Frame =>
    sortedKeys({ ...data, type, sequence_number: seq++ }) as Frame
  const ids = { item_id: itemId, output_index: 0, content_index: 0 }
  const head = [
    ev('response.created', { response: responseObject(b, id, 'in_progress', [], null) }),
    ev('response.in_progress', { response: responseObject(b, id, 'in_progress', [], null) }),
    ev('response.output_item.added', { output_index: 0, item: message('', 'in_progress') }),
    ev('response.content_part.added', { ...ids, part: part('') }),
  ]
  await s.stream(c, {
    sse: true,
    named: true,
    doneMarker: false,
    count: count + head.length,
    frame: (i) =>
      i < head.length
        ? head[i]!
        : ev('response.output_text.delta', {
            ...ids,
            delta: s.token(i - head.length),
            logprobs: [],
          }),
    tail: (sent) => {
      const n = sent - head.length
      const text = fullText(s, n)
      const done = message(text, 'completed')
      return [
        ev('response.output_text.done', { ...ids, text, logprobs: [] }),
        ev('response.content_part.done', { ...ids, part: part(text) }),
        ev('response.output_item.done', { output_index: 0, item: done }),
        ev('response.completed', {
          response: responseObject(b, id, 'completed', [done], usage(n)),
        }),
      ]
    },
  })
}
