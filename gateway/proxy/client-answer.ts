// The client's side of one exchange with a backend (upstream-exchange.ts): the answer's
// head, and its body written to the client as the reader hands it on (ChunkSink, http1.ts):
// a stream's chunks to the client's socket as the backend framed them when the client's
// answer is chunked too, any other body through the ServerResponse (filtered, or held whole
// first); a full client buffer pauses the backend's socket until it drains. The listeners
// on the client's response and socket are shared functions that find the exchange on it.
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { ProxyCallbacks, UpstreamRequest, UpstreamTarget } from './relay-types.js'
import { ChunkedReader, type ChunkSink, type Framing, type ResponseHead } from './http1.js'
import { clientHeaders } from './upstream-headers.js'
import type { BodyFilter } from './stream-usage.js'
import type { UpstreamPool } from './upstream-pool.js'
import { UpstreamSend } from './upstream-send.js'

/** The exchange a client response belongs to, so its listeners need no closure. */
export const kExchange = Symbol('corral.exchange')
export type TaggedResponse = ServerResponse & { [kExchange]?: ClientAnswer }
type TaggedSocket = Socket & { [kExchange]?: ClientAnswer }

export function onClientClose(this: TaggedResponse): void {
  if (!this.writableFinished) this[kExchange]?.abort()
}

export function onClientDrain(this: TaggedResponse | TaggedSocket): void {
  this[kExchange]?.drained()
}

/** What an exchange writes to its client, and when it waits for the client to take it. */
export abstract class ClientAnswer extends UpstreamSend implements ChunkSink {
  protected framing: Framing = 'none'
  protected chunks: ChunkedReader | null = null
  /** The client's socket, when a stream's framed bytes go to it as they are. */
  protected rawOut: TaggedSocket | null = null
  protected rawTls = false
  /** Takes a chunk out of the stream the client gets (stream-usage.ts), or null. */
  protected filter: BodyFilter | null = null
  /** A short answer read whole before anything of it is relayed (onStatus said 'hold'). */
  protected held: Buffer[] | null = null
  protected waitingDrain = false
  /** A client write said its buffer is full during this read. */
  protected full = false

  constructor(
    pool: UpstreamPool,
    target: UpstreamTarget,
    req: UpstreamRequest,
    protected readonly res: ServerResponse,
    protected readonly cb: ProxyCallbacks,
  ) {
    super(pool, target, req)
  }

  /** The client went away: abort the exchange at whatever stage it is. */
  abstract abort(): void

  get atFrameBoundary(): boolean {
    return this.rawOut === null || this.chunks!.atBoundary
  }

  drained(): void {
    this.waitingDrain = false
    if (!this.settled) this.socket?.resume()
  }

  protected writeHead(head: ResponseHead, streaming: boolean): void {
    const res = this.res
    res.writeHead(head.status, clientHeaders(head.headers, streaming, this.cb.extraHeaders))
    // A filtered stream is written through the ServerResponse (never a fixed length).
    if (streaming && this.framing !== 'length') this.filter = this.cb.filter ?? null
    if (this.framing === 'chunked') {
      // A stream's chunks go to the client's socket as the backend framed them, when the
      // client's answer is chunked too and is the one its connection is sending now.
      const raw = streaming && this.filter === null && res.chunkedEncoding && res.socket !== null
      this.chunks = new ChunkedReader(raw)
      if (raw) {
        this.rawOut = res.socket
        this.rawTls = (res.socket as { encrypted?: boolean }).encrypted === true
      }
    }
    // A stream's headers go out at once: a client waiting on a slow first token sees it open.
    // Any other answer sends its headers with the first body bytes: one write, not two.
    if (streaming) res.flushHeaders()
  }

  data(buf: Buffer, start: number, end: number): void {
    // The usage tap copies what it keeps.
    this.cb.onChunk?.(buf, start, end)
    // A stream relayed as framed: its bytes go out in raw(), and no view of them is made.
    if (this.rawOut !== null && this.held === null) return
    const chunk = start === 0 && end === buf.length ? buf : buf.subarray(start, end)
    if (this.held !== null) {
      this.held.push(Buffer.from(chunk))
      return
    }
    // ServerResponse may keep what it is given (headers not out yet, a corked socket).
    const out = this.filter === null ? chunk : this.filter.push(chunk)
    if (out.length > 0 && !this.res.write(Buffer.from(out))) this.full = true
  }

  raw(buf: Buffer, start: number, end: number): void {
    const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end)
    const out = this.rawOut!
    // The bytes sit in the backend socket's read buffer (upstream-pool.ts). A socket with
    // bytes queued (or corked) queues these too, and TLS answers a write later: a copy goes.
    // Otherwise the write usually completes at once; if it does not, it keeps the read
    // buffer's memory, and the backend socket reads into a new one from then on.
    if (out.writableLength > 0 || out.writableCorked > 0 || this.rawTls) {
      if (!out.write(Buffer.from(view))) this.full = true
      return
    }
    if (!out.write(view)) this.full = true
    if (out.writableLength > 0) this.pool.held(this.socket!)
  }

  sizeLine(size: number): void {
    if (!this.rawOut!.write(`${size.toString(16)}\r\n`, 'latin1')) this.full = true
  }

  protected pauseForClient(): void {
    if (this.waitingDrain || this.settled) return
    this.waitingDrain = true
    this.socket?.pause()
    const out = this.rawOut ?? this.res
    ;(out as TaggedResponse)[kExchange] = this
    out.once('drain', onClientDrain)
  }
}
