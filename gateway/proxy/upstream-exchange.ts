// One request to one backend over the relay's own connection (upstream-pool.ts), and its
// answer relayed (see forward.ts, proxyUpstream). One object per request, in three layers:
// UpstreamSend (upstream-send.ts) gets the connection and writes the request, ClientAnswer
// (client-answer.ts) writes the answer to the client, and the Exchange here reads the
// backend's answer: its head (relayed, held whole and judged, or refused), its body by its
// framing (a chunked one through the reader, http1.ts, which hands it to ClientAnswer), its
// end, and a failure at any stage.
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
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
import { framingOf, headEnd, parseHead, type ResponseHead } from './http1.js'
import type { UpstreamPool } from './upstream-pool.js'
import { LAST_CHUNK } from './upstream-send.js'
import {
  ClientAnswer,
  kExchange,
  onClientClose,
  onClientDrain,
  type TaggedResponse,
} from './client-answer.js'

/** What onStatus returns to have a short answer read whole and judged (onHeld) first. */
export const HOLD = 'hold'
/** The most a held answer may be: Ollama's busy answer is one short JSON object. */
const MAX_HELD_BYTES = 8192

/** A backend's answer the caller refused in onStatus; nothing of it was written. */
export class RefusedAnswer extends Error {
  override name = 'RefusedAnswer'
  constructor(readonly statusCode: number) {
    super(`the backend answered ${statusCode}`)
  }
}

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code })
}

/**
 * One request's state: the owner of its backend socket (UpstreamSend) and the sink of its
 * chunked body (ClientAnswer).
 */
export class Exchange extends ClientAnswer implements ProxyExchange {
  readonly done: Promise<RelayOutcome>
  private resolve!: (outcome: RelayOutcome) => void
  private reject!: (err: Error) => void
  private head: Buffer | null = null
  private response: ResponseHead | null = null
  private left = 0
  private streaming = false
  private firstByte = true

  constructor(
    pool: UpstreamPool,
    target: UpstreamTarget,
    req: UpstreamRequest,
    res: ServerResponse,
    cb: ProxyCallbacks,
  ) {
    super(pool, target, req, res, cb)
    this.done = new Promise<RelayOutcome>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }

  abort(): void {
    if (!this.finish()) return
    this.cancelConnect?.()
    this.socket?.destroy()
    this.resolve('client_aborted')
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

  protected fail(err: Error): void {
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
