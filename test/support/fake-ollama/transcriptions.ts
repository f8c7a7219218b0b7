// /v1/audio/transcriptions (middleware/openai.go TranscriptionMiddleware): a multipart form with
// `model` and `file`; the answer is `{"text":...}` or plain text with response_format=text.
import type { Ctx, FakeState } from './types.js'
import { inferenceModel, openaiError, send, sendJson } from './respond.js'
import { fullText } from './util.js'

/** The form's fields (text) and files (bytes), from a multipart/form-data body. */
function parseMultipart(body: Buffer, contentType: string): Map<string, Buffer> | null {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
  if (!boundary) return null
  const fields = new Map<string, Buffer>()
  const delimiter = Buffer.from(`--${boundary}`)
  let at = body.indexOf(delimiter)
  while (at >= 0) {
    const start = at + delimiter.length + 2 // CRLF after the delimiter
    const next = body.indexOf(delimiter, start)
    if (next < 0) break
    const part = body.subarray(start, next - 2)
    const split = part.indexOf('\r\n\r\n')
    const head = part.subarray(0, split).toString('latin1')
    const name = /name="([^"]*)"/i.exec(head)?.[1]
    if (name !== undefined && split >= 0) fields.set(name, part.subarray(split + 4))
    at = next
  }
  return fields
}

export async function v1Transcriptions(s: FakeState, c: Ctx): Promise<void> {
  const raw = Buffer.isBuffer(c.body) ? c.body : Buffer.alloc(0)
  const form = parseMultipart(raw, c.req.headers['content-type'] ?? '')
  if (!form)
    return openaiError(
      c,
      400,
      "failed to parse multipart form: request Content-Type isn't multipart/form-data",
    )
  const model = form.get('model')?.toString('utf8') ?? ''
  if (!model) return openaiError(c, 400, 'model is required')
  const file = form.get('file')
  if (!file) return openaiError(c, 400, 'file is required: http: no such file')
  if (file.length === 0) return openaiError(c, 400, 'audio file is empty')
  if (!inferenceModel(s, c, model, 'chat', openaiError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  const text = fullText(s, s.options.frames).trim()
  if (form.get('response_format')?.toString('utf8') === 'text')
    return send(c, 200, 'text/plain', text)
  sendJson(c, 200, { text })
}
