// Server-Sent Events read from a fetch() body: EventSource cannot send the
// Authorization header, so the live feed is parsed here.

export interface SseMessage {
  event: string
  data: string
}

/**
 * An incremental parser: feed it text chunks as they arrive, get back the messages
 * completed so far. Comments (`: keep-alive`) are skipped; CRLF and LF both work.
 */
export class SseParser {
  private buffer = ''
  private event = ''
  private data: string[] = []

  push(chunk: string): SseMessage[] {
    this.buffer += chunk
    const out: SseMessage[] = []
    let newline: number
    while ((newline = this.buffer.search(/\r\n|\n|\r/)) !== -1) {
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (newline === this.buffer.length - 1 && this.buffer.endsWith('\r')) break
      const line = this.buffer.slice(0, newline)
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1
      this.buffer = this.buffer.slice(newline + width)
      const message = this.line(line)
      if (message) out.push(message)
    }
    return out
  }

  private line(line: string): SseMessage | null {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = ''
        return null
      }
      const message = { event: this.event || 'message', data: this.data.join('\n') }
      this.event = ''
      this.data = []
      return message
    }
    if (line.startsWith(':')) return null
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
    return null
  }
}

/** Reads a response body as SSE until it ends or `signal` aborts. */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onMessage: (message: SseMessage) => void,
  signal?: AbortSignal,
): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const parser = new SseParser()
  const cancel = () => void reader.cancel().catch(() => {})
  signal?.addEventListener('abort', cancel, { once: true })
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      for (const message of parser.push(decoder.decode(value, { stream: true }))) onMessage(message)
    }
  } finally {
    signal?.removeEventListener('abort', cancel)
    reader.releaseLock()
  }
}
