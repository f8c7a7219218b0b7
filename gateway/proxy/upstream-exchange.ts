// One request to one backend over the relay's own connection (upstream-pool.ts), and its
// answer relayed (see forward.ts, proxyUpstream). The exchange owns the backend socket
// while it is in use and is the sink of a chunked body's reader (http1.ts): a stream's
// chunks go to the client's socket as the backend framed them when the client's answer is
// chunked too; any other body is written through the ServerResponse.
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import { CorralError } from '../errors.js'
import { isStreamingContentType } from '../stats/usage-tap.js'
import { errorFrame } from './error-answers.js'
import type {
  ProxyCallbacks,
  ProxyExchange,
  RelayOutcome,
  UpstreamRequest,
  UpstreamTarget,
} from './relay-types.js'
import {
  ChunkedReader,
  framingOf,
  headEnd,
  parseHead,
  requestHead,
  type ChunkSink,
  type Framing,
  type ResponseHead,
} from './http1.js'
import { clientHeaders, upstreamHeaders } from './upstream-headers.js'
import type { BodyFilter } from './stream-usage.js'
import type { SocketOwner, UpstreamPool } from './upstream-pool.js'

/** What onStatus returns to have a short answer read whole and judged (onHeld) first. */
export const HOLD = 'hold'
/** The most a held answer may be: Ollama's busy answer is one short JSON object. */
const MAX_HELD_BYTES = 8192

/** When a request without a first-byte deadline starts probing its backend connection. */
const KEEPALIVE_PROBE_MS = 30_000

/** The exchange a client response belongs to, so its listeners need no closure. */
export const kExchange = Symbol('corral.exchange')
export type TaggedResponse = ServerResponse & { [kExchange]?: Exchange }

export function onClientClose(this: TaggedResponse): void {
  if (!this.writableFinished) this[kExchange]?.abort()
}

function onClientDrain(this: TaggedResponse | (Socket & { [kExchange]?: Exchange })): void {
  this[kExchange]?.drained()
}

/** A backend's answer the caller refused in onStatus; nothing of it was written. */
export class RefusedAnswer extends Error {
  override name = 'RefusedAnswer'
  constructor(readonly statusCode: number) {
    super(`the backend answered ${statusCode}`)
  }
}

const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1')
const CRLF = Buffer.from('\r\n', 'latin1')

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code })
}

/** One request's state: the owner of its backend socket and the sink of its chunked body. */
export class Exchange implements ProxyExchange, SocketOwner, ChunkSink {
  readonly done: Promise<RelayOutcome>
  private resolve!: (outcome: RelayOutcome) => void
  private reject!: (err: Error) => void
  private socket: Socket | null = null
  private cancelConnect: (() => void) | null = null
  private settled = false
  /** The connection was reused: a close before any answer may be a stale keep-alive. */
  private reused = false
  private retried = false
  private head: Buffer | null = null
  private response: ResponseHead | null = null
  private framing: Framing = 'none'
  private left = 0
  private chunks: ChunkedReader | null = null
  /** The client's socket, when a stream's framed bytes go to it as they are. */
  private rawOut: (Socket & { [kExchange]?: Exchange }) | null = null
  private rawTls = false
  private requestSent = false
  private streaming = false
  /** Takes a chunk out of the stream the client gets (stream-usage.ts), or null. */
  private filter: BodyFilter | null = null
  /** A short answer read whole before anything of it is relayed (onStatus said 'hold'). */
  private held: Buffer[] | null = null
  private firstByte = true
  private waitingDrain = false
  /** A client write said its buffer is full during this read. */
  private full = false

  constructor(
    private readonly pool: UpstreamPool,
    private readonly target: UpstreamTarget,
    private readonly req: UpstreamRequest,
    private readonly res: ServerResponse,
    private readonly cb: ProxyCallbacks,
  ) {
    this.done = new Promise<RelayOutcome>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  connect(): void {
    this.cancelConnect = this.pool.acquire(this.target.origin, this, (err, got) => {
      this.cancelConnect = null
      if (err !== null) return this.fail(err)
      if (this.settled) return void got!.socket.destroy()
      this.socket = got!.socket
      this.reused = got!.reused
      this.socket.setTimeout(this.req.headersTimeoutMs)
      // No deadline: keep-alive probes tell a backend that died from one still working.
      if (this.req.headersTimeoutMs === 0) this.socket.setKeepAlive(true, KEEPALIVE_PROBE_MS)
      this.send(got!.authority)
    })
  }

  get atFrameBoundary(): boolean {
    return this.rawOut === null || this.chunks!.atBoundary
  }

  abort(): void {
    if (!this.finish()) return
    this.cancelConnect?.()
    this.socket?.destroy()
    this.resolve('client_aborted')
  }

  drained(): void {
    this.waitingDrain = false
    if (!this.settled) this.socket?.resume()
  }

  private send(authority: string): void {
    const { req, target } = this
    const socket = this.socket!
    const body = req.body
    const length = Buffer.isBuffer(body) ? body.length : body === null ? null : -1
    const headers = upstreamHeaders(req, target, length !== null && length >= 0 ? length : null)
    if (length === -1) headers['transfer-encoding'] = 'chunked'
    else if (length === null && req.method !== 'GET' && req.method !== 'HEAD') {
      headers['content-length'] = '0'
    }
    let head: string
    try {
      head = requestHead(req.method, req.path, authority, headers)
    } catch (err) {
      return this.fail(err as Error)
    }
    if (!Buffer.isBuffer(body)) {
      socket.write(head, 'latin1')
      if (body === null) this.requestSent = true
      else this.pipeBody(body, socket)
      return
    }
    socket.cork()
    socket.write(head, 'latin1')
    socket.write(body)
    socket.uncork()
    this.requestSent = true
  }

  /** A body of unknown length (a model blob), chunked, at the pace the backend reads it. */
  private pipeBody(body: Readable, socket: Socket): void {
    const resume = () => body.resume()
    body.on('data', (chunk: Buffer) => {
      if (this.settled || socket !== this.socket) return void body.destroy()
      socket.cork()
      socket.write(`${chunk.length.toString(16)}\r\n`, 'latin1')
      socket.write(chunk)
      const ok = socket.write(CRLF)
      socket.uncork()
      if (!ok) {
        body.pause()
        socket.once('drain', resume)
      }
    })
    body.once('end', () => {
      if (socket !== this.socket || socket.destroyed) return
      socket.write(LAST_CHUNK)
      this.requestSent = true
    })
    body.once('error', (err) => this.fail(err))
  }

  onData(buf: Buffer): void {
    if (this.settled) return
    const out = this.coalescing(buf)
    if (out !== null) out.cork()
    try {
      if (this.response === null) this.readHead(buf)
      else this.readBody(buf, 0)
    } catch (err) {
      this.fail(err as Error)
    } finally {
      if (out !== null) out.uncork()
    }
  }

  /**
   * The client's socket, to cork for this read, when the read may both start and continue
   * the client's answer (the head, usually with the first frame) or end a stream passed on
   * framed (its last frame and the last chunk, which is Node's to write): two writes to
   * the client go out as one. A read in between is one write already.
   */
  private coalescing(buf: Buffer): Socket | null {
    if (this.response === null) return this.res.socket
    if (this.rawOut === null || buf.length < LAST_CHUNK.length) return null
    return buf.compare(LAST_CHUNK, 0, LAST_CHUNK.length, buf.length - LAST_CHUNK.length) === 0
      ? this.rawOut
      : null
  }

  onEnd(): void {
    // A body delimited by the connection's end is complete; anything else was cut.
    if (this.response !== null && this.framing === 'close') this.complete(false)
  }

  onClose(err: Error | null): void {
    if (this.settled) return
    this.fail(err ?? codedError('the backend closed the connection', 'UND_ERR_SOCKET'))
  }

  onTimeout(): void {
    const code = this.response === null ? 'UND_ERR_HEADERS_TIMEOUT' : 'UND_ERR_BODY_TIMEOUT'
    this.fail(codedError('the backend sent nothing in time', code))
  }

  private readHead(buf: Buffer): void {
    const all = this.head === null ? buf : Buffer.concat([this.head, buf])
    const end = headEnd(all)
    if (end === -1) {
      // Kept past this read: a copy, since the read buffer is reused.
      this.head = all === buf ? Buffer.from(buf) : all
      return
    }
    this.head = null
    const head = parseHead(all, end)
    if (head.status < 200) {
      // 100 Continue, 103 Early Hints: the final answer follows.
      if (all.length > end) this.readHead(all.subarray(end))
      return
    }
    this.response = head
    this.framing = framingOf(this.req.method, head)
    if (!this.startAnswer(head)) return this.refuse(head.status)
    this.socket?.setTimeout(this.req.idleTimeoutMs)
    if (this.framing === 'none') return this.complete(all.length === end)
    if (this.framing === 'length') this.left = Number(head.headers['content-length'])
    if (all.length > end) this.readBody(all, end)
  }

  /** False when onStatus refused the answer. */
  private startAnswer(head: ResponseHead): boolean {
    const type = head.headers['content-type']
    // The stats' rule: the usage tap is told the same thing the relay decides here.
    const streaming = isStreamingContentType(typeof type === 'string' ? type : undefined)
    this.streaming = streaming
    const verdict = this.cb.onStatus?.(head.status, streaming)
    if (verdict === false) return false
    if (verdict === HOLD) {
      const length = Number(head.headers['content-length'])
      if (this.framing === 'length' && length <= MAX_HELD_BYTES) {
        this.held = []
        return true
      }
      // Not a short body of known length: relayed as it comes, judged without its body.
      if (this.cb.onHeld?.(null) === false) return false
    }
    this.writeHead(head, streaming)
    return true
  }

  private writeHead(head: ResponseHead, streaming: boolean): void {
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

  /** onStatus refused the answer: nothing of it is relayed, the connection is dropped. */
  private refuse(status: number): void {
    if (!this.finish()) return
    this.socket?.destroy()
    this.reject(new RefusedAnswer(status))
  }

  private readBody(buf: Buffer, from: number): void {
    if (this.firstByte) {
      this.firstByte = false
      this.cb.onFirstByte?.()
    }
    this.full = false
    if (this.framing === 'chunked') {
      const end = this.chunks!.feed(buf, from, this)
      if (end !== -1) return this.complete(end === buf.length)
    } else if (this.framing === 'length') {
      const end = Math.min(buf.length, from + this.left)
      this.left -= end - from
      this.data(buf, from, end)
      if (this.left === 0) return this.complete(end === buf.length)
    } else {
      this.data(buf, from, buf.length)
    }
    if (this.full) this.pauseForClient()
  }

  data(buf: Buffer, start: number, end: number): void {
    const chunk = start === 0 && end === buf.length ? buf : buf.subarray(start, end)
    // The usage tap copies what it keeps.
    this.cb.onChunk?.(chunk)
    if (this.held !== null) {
      this.held.push(Buffer.from(chunk))
      return
    }
    // ServerResponse may keep what it is given (headers not out yet, a corked socket).
    if (this.rawOut !== null) return
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

  private pauseForClient(): void {
    if (this.waitingDrain || this.settled) return
    this.waitingDrain = true
    this.socket?.pause()
    const out = this.rawOut ?? this.res
    ;(out as TaggedResponse)[kExchange] = this
    out.once('drain', onClientDrain)
  }

  /** The whole answer has been read: the socket goes back to the pool if it can. */
  private complete(clean: boolean): void {
    if (this.held !== null) {
      const body = Buffer.concat(this.held)
      this.held = null
      if (this.cb.onHeld?.(body) === false) return this.refuse(this.response!.status)
      this.writeHead(this.response!, false)
      this.res.write(body)
    }
    if (!this.finish()) return
    const socket = this.socket!
    const reusable =
      clean && this.requestSent && this.response!.keepAlive && this.framing !== 'close'
    if (reusable) this.pool.release(this.target.origin, socket, this.response!.keepAliveHintMs)
    else socket.destroy()
    const rest = this.filter?.end()
    this.res.end(rest !== undefined && rest.length > 0 ? rest : undefined)
    this.resolve('done')
  }

  private fail(err: Error): void {
    if (this.settled) return
    const socket = this.socket
    // A kept-alive connection the backend closed as we reused it: once more, on a new one.
    if (
      this.reused &&
      !this.retried &&
      this.response === null &&
      this.head === null &&
      (this.req.body === null || Buffer.isBuffer(this.req.body)) &&
      isStaleConnection(err)
    ) {
      this.retried = true
      this.reused = false
      this.socket = null
      socket?.destroy()
      return this.connect()
    }
    this.finish()
    socket?.destroy()
    const res = this.res
    // Nothing of a held answer was written: as if the head had not come.
    if (this.response === null || this.held !== null) return this.reject(err)
    if (res.destroyed) return this.resolve('client_aborted')
    if (this.streaming && this.atFrameBoundary) {
      const e = new CorralError('CORRAL_ERR_STREAM_BROKEN', { cause: err })
      res.end(errorFrame(this.cb.dialect, e))
    } else {
      // A body cut short inside a chunk or a fixed length cannot be repaired: the client
      // sees the cut.
      if (!res.headersSent) res.flushHeaders()
      res.destroy()
    }
    this.resolve('backend_error')
  }

  /** Mark the exchange over and drop its listeners; false if it already was. */
  private finish(): boolean {
    if (this.settled) return false
    this.settled = true
    const res = this.res as TaggedResponse
    res.off('close', onClientClose)
    if (this.waitingDrain) (this.rawOut ?? res).off('drain', onClientDrain)
    if (res[kExchange] === this) res[kExchange] = undefined
    if (this.rawOut !== null && this.rawOut[kExchange] === this) this.rawOut[kExchange] = undefined
    return true
  }
}

/** Errors a reused connection gives when the backend had closed it just before. */
function isStaleConnection(err: Error): boolean {
  const code = (err as { code?: string }).code
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET'
}
