// The control API's live feed (GET /control/events, Server-Sent Events) for the desktop
// app's main process: what must show at once (a device asking, a backend going down, a key
// on a new device) comes here rather than at the next status poll. The feed is read with
// the token in a header (EventSource cannot send one), and reconnects with a growing delay:
// the gateway child may be restarting, on another port with another token.
import { request } from 'undici'
import type { ControlEndpoint } from '../control/client.js'

export const FEED_RETRY_MS = 250
export const FEED_RETRY_MAX_MS = 5000

export interface FeedOptions {
  endpoint: () => ControlEndpoint | null
  onEvent: (event: string, data: unknown) => void
  /** The feed answered (again): what happened meanwhile must be read afresh. */
  onOpen?: () => void
  /** Only these events (GET /control/events?events=…); all when absent. */
  events?: readonly string[]
  retryMs?: number
}

export interface ControlFeed {
  /** Drops the current connection and connects again now (a new endpoint). */
  reconnect(): void
  close(): void
}

export function openControlFeed(opts: FeedOptions): ControlFeed {
  const first = opts.retryMs ?? FEED_RETRY_MS
  let delay = first
  let closed = false
  let abort: AbortController | null = null
  let timer: NodeJS.Timeout | null = null

  const schedule = (ms: number) => {
    if (closed) return
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      void connect()
    }, ms)
    timer.unref()
  }

  const connect = async () => {
    const at = opts.endpoint()
    if (!at) {
      // The gateway is down or restarting: look again, less often each time ('ready' calls
      // reconnect(), which comes back at once).
      schedule(delay)
      delay = Math.min(delay * 2, FEED_RETRY_MAX_MS)
      return
    }
    const controller = new AbortController()
    abort = controller
    try {
      const only = opts.events ? `?events=${opts.events.join(',')}` : ''
      const res = await request(`${at.controlUrl}/control/events${only}`, {
        headers: { authorization: `Bearer ${at.token}`, accept: 'text/event-stream' },
        signal: controller.signal,
        // The feed is quiet between heartbeats (15 s); only the headers must come soon.
        headersTimeout: 10_000,
        bodyTimeout: 0,
      })
      if (res.statusCode !== 200) {
        await res.body.text().catch(() => '')
        throw new Error(`the live feed answered ${res.statusCode}`)
      }
      delay = first
      opts.onOpen?.()
      await readEvents(res.body, opts.onEvent)
    } catch {
      // Refused, reset or aborted: tried again below unless closed.
    }
    if (abort === controller) abort = null
    if (!controller.signal.aborted) {
      schedule(delay)
      delay = Math.min(delay * 2, FEED_RETRY_MAX_MS)
    }
  }

  void connect()
  return {
    reconnect() {
      if (closed) return
      abort?.abort()
      delay = first
      schedule(0)
    },
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      abort?.abort()
    },
  }
}

/** Splits the stream into events (`event:` and `data:` lines, a blank line ends each). */
async function readEvents(
  body: AsyncIterable<Buffer | string>,
  onEvent: (event: string, data: unknown) => void,
): Promise<void> {
  let buffer = ''
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
    let end: number
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let event = 'message'
      const data: string[] = []
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim()
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
      }
      if (data.length === 0) continue
      let parsed: unknown
      try {
        parsed = JSON.parse(data.join('\n'))
      } catch {
        continue
      }
      onEvent(event, parsed)
    }
  }
}
