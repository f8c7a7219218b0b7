// The first half of one exchange with a backend (upstream-exchange.ts): a connection from
// the relay's pool (upstream-pool.ts), and the request written on it, its head and body in one
// write or a body of unknown length chunked at the pace the backend reads it. Exchange extends
// this with reading the answer and relaying it; a failure here is its to handle (fail), which
// may connect again on a new connection.
import type { Socket } from 'node:net'
import type { Readable } from 'node:stream'
import type { UpstreamRequest, UpstreamTarget } from './relay-types.js'
import { requestHead } from './http1.js'
import { upstreamHeaders } from './upstream-headers.js'
import type { SocketOwner, UpstreamPool } from './upstream-pool.js'

/** When a request without a first-byte deadline starts probing its backend connection. */
const KEEPALIVE_PROBE_MS = 30_000

/** The end of a chunked body. */
export const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1')
const CRLF = Buffer.from('\r\n', 'latin1')

/** One request's backend socket, from the pool's acquire until the request is written. */
export abstract class UpstreamSend implements SocketOwner {
  protected socket: Socket | null = null
  protected cancelConnect: (() => void) | null = null
  protected settled = false
  /** The connection was reused: a close before any answer may be a stale keep-alive. */
  protected reused = false
  protected retried = false
  protected requestSent = false

  constructor(
    protected readonly pool: UpstreamPool,
    protected readonly target: UpstreamTarget,
    protected readonly req: UpstreamRequest,
  ) {}

  abstract onData(buf: Buffer): void
  abstract onEnd(): void
  abstract onClose(err: Error | null): void
  abstract onTimeout(): void
  /** Anything that went wrong, at any stage of the exchange. */
  protected abstract fail(err: Error): void

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
}
