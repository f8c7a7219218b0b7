// The one field Corral reads from a multipart/form-data body: the `model` of an OpenAI
// transcription upload (/v1/audio/transcriptions, ollama middleware/openai.go
// TranscriptionMiddleware), so the key's model allowlist and the router see it.

const FIELD_MAX_BYTES = 300
const BOUNDARY = /boundary=(?:"([^"]{1,70})"|([^;\s]{1,70}))/i

/**
 * The text of form field `name`, or null when the body is not multipart, has no such field, or
 * the field is longer than a model name can be. The body is already bounded by the body limit.
 */
export function multipartField(
  body: Buffer,
  contentType: string | undefined,
  name: string,
): string | null {
  if (!contentType || !/^multipart\/form-data/i.test(contentType)) return null
  const m = BOUNDARY.exec(contentType)
  const boundary = m?.[1] ?? m?.[2]
  if (!boundary) return null
  const delimiter = Buffer.from(`--${boundary}`)
  let at = body.indexOf(delimiter)
  while (at >= 0) {
    const headStart = at + delimiter.length + 2 // the CRLF after the delimiter
    const next = body.indexOf(delimiter, headStart)
    if (next < 0) return null
    const headEnd = body.indexOf('\r\n\r\n', headStart)
    if (headEnd >= 0 && headEnd < next) {
      const head = body.subarray(headStart, headEnd).toString('latin1')
      const disposition = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)
      if (disposition?.[1] === name && !/filename=/i.test(head)) {
        const value = body.subarray(headEnd + 4, next - 2) // the CRLF before the delimiter
        return value.length <= FIELD_MAX_BYTES ? value.toString('utf8') : null
      }
    }
    at = next
  }
  return null
}
