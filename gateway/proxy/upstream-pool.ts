// Keep-alive connections to the backends, for the relay (forward.ts). One socket carries
// one request at a time; a socket is owned either by the exchange using it or by the pool
// while idle, and its listeners (set once, when it connects) call whichever owner it has:
// no listener is added or removed per request.
import net, { type Socket } from 'node:net'
import tls from 'node:tls'

/** An idle connection is closed after this, or a second before the backend's own hint. */
export const KEEP_ALIVE_MS = 30_000
const KEEP_ALIVE_MARGIN_MS = 1_000
export const CONNECT_TIMEOUT_MS = 5_000

/** Bytes one read from a plain backend connection takes at most (as Node's own reads). */
const READ_BUFFER_BYTES = 64 * 1024

/** What a socket tells its current owner. */
export interface SocketOwner {
  /**
   * Bytes from the backend. On a plain connection they sit in its read buffer, which the
   * next read fills again: valid during the call only, so an owner that keeps any copies
   * them, or calls `UpstreamPool.held()` if a write it started keeps them.
   */
  onData(buf: Buffer): void
  /** The backend closed its side (FIN). */
  onEnd(): void
  /** The socket is gone (after an error, or after onEnd). */
  onClose(err: Error | null): void
  /** No bytes for as long as the socket's timeout (set by the owner). */
  onTimeout(): void
}

const kOwner = Symbol('corral.upstream-owner')
const kError = Symbol('corral.upstream-error')
const kReads = Symbol('corral.upstream-reads')
/** The memory a plain connection's next read goes to. */
interface Reads {
  buffer: Buffer
}
type PooledSocket = Socket & { [kOwner]: SocketOwner; [kError]?: Error; [kReads]?: Reads }

interface Origin {
  host: string
  port: number
  secure: boolean
  /** `host:port` as the Host header writes it. */
  authority: string
  idle: PooledSocket[]
}

export interface Acquired {
  socket: Socket
  /** It carried an earlier request: it may have been closed by the backend meanwhile. */
  reused: boolean
  /** `host:port`, for the Host header. */
  authority: string
}

/** A connection error with the codes undici used, which the error classifier reads. */
function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code })
}

export interface UpstreamPoolOptions {
  /** Added to every TLS connection's options (tests trust a certificate of their own). */
  tls?: tls.ConnectionOptions
}

export class UpstreamPool {
  private readonly origins = new Map<string, Origin>()
  private closed = false

  constructor(private readonly opts: UpstreamPoolOptions = {}) {}

  /**
   * A socket to `origin` for `owner`: an idle one at once, or a new one once connected.
   * `onReady` gets the connection or the connect error (the code as undici's, e.g.
   * ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT); returns a function that cancels a connect
   * still under way.
   */
  acquire(
    origin: string,
    owner: SocketOwner,
    onReady: (err: Error | null, got: Acquired | null) => void,
  ): () => void {
    const o = this.originOf(origin)
    for (let s = o.idle.pop(); s !== undefined; s = o.idle.pop()) {
      if (s.destroyed || !s.writable) continue
      s[kOwner] = owner
      s.setTimeout(0)
      onReady(null, { socket: s, reused: true, authority: o.authority })
      return noop
    }
    if (this.closed) {
      onReady(codedError('the gateway is closing', 'UND_ERR_CLOSED'), null)
      return noop
    }
    const connecting = new Connecting(o, owner, onReady, this.opts.tls)
    return () => connecting.cancel()
  }

  /** Takes a socket back after a complete exchange; `hintMs` is the backend's keep-alive hint. */
  release(origin: string, socket: Socket, hintMs: number | null): void {
    const s = socket as PooledSocket
    const keepMs = Math.min(KEEP_ALIVE_MS, (hintMs ?? Infinity) - KEEP_ALIVE_MARGIN_MS)
    if (this.closed || s.destroyed || keepMs <= 0) {
      s.destroy()
      return
    }
    const o = this.originOf(origin)
    s[kOwner] = new Idle(o, s)
    if (s.isPaused()) s.resume()
    s.setTimeout(keepMs)
    o.idle.push(s)
  }

  /**
   * A write was given bytes of `socket`'s read buffer and keeps them past onData (the
   * client's socket had no room for all of them): its next reads go to a new buffer.
   */
  held(socket: Socket): void {
    const reads = (socket as PooledSocket)[kReads]
    if (reads !== undefined) reads.buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES)
  }

  /** Closes every idle connection; sockets in use close when their exchange ends. */
  close(): void {
    this.closed = true
    for (const o of this.origins.values()) for (const s of o.idle.splice(0)) s.destroy()
  }

  private originOf(origin: string): Origin {
    let o = this.origins.get(origin)
    if (o === undefined) {
      const url = new URL(origin)
      const secure = url.protocol === 'https:'
      const port = Number(url.port) || (secure ? 443 : 80)
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
      o = { host, port, secure, authority: url.host, idle: [] }
      this.origins.set(origin, o)
    }
    return o
  }
}

/** A socket being connected: its owner until it connects, fails or is cancelled. */
class Connecting implements SocketOwner {
  private readonly socket: PooledSocket
  private settled = false

  constructor(
    private readonly origin: Origin,
    private readonly owner: SocketOwner,
    private readonly onReady: (err: Error | null, got: Acquired | null) => void,
    tlsOptions: tls.ConnectionOptions | undefined,
  ) {
    const o = origin
    let s: PooledSocket
    if (o.secure) {
      s = tls.connect({
        ...tlsOptions,
        host: o.host,
        port: o.port,
        servername: net.isIP(o.host) ? undefined : o.host,
        ALPNProtocols: ['http/1.1'],
      }) as Socket as PooledSocket
      s.on('data', (buf: Buffer) => s[kOwner].onData(buf))
    } else {
      // Each read goes straight to the owner from one buffer the socket keeps (Node's
      // `onread`): no Readable, no 'data', and no new buffer per read, which was most of the
      // garbage a relayed stream left. Node asks for the next read's buffer after each read.
      const reads: Reads = { buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES) }
      s = net.connect({
        host: o.host,
        port: o.port,
        onread: {
          buffer: () => reads.buffer,
          callback: (n: number, buf: Uint8Array) => {
            s[kOwner].onData((buf as Buffer).subarray(0, n))
            return true
          },
        },
      }) as PooledSocket
      s[kReads] = reads
    }
    this.socket = s
    s[kOwner] = this
    s.setNoDelay(true)
    s.setTimeout(CONNECT_TIMEOUT_MS)
    s.once(o.secure ? 'secureConnect' : 'connect', () => this.connected())
    listen(s)
  }

  cancel(): void {
    if (this.settled) return
    this.settled = true
    this.socket.destroy()
  }

  onData(): void {
    this.socket.destroy()
  }
  onEnd(): void {}
  onClose(err: Error | null): void {
    this.fail(err ?? codedError('the backend closed the connection', 'UND_ERR_SOCKET'))
  }
  onTimeout(): void {
    this.fail(codedError('connect timed out', 'UND_ERR_CONNECT_TIMEOUT'))
  }

  private connected(): void {
    if (this.settled) return
    this.settled = true
    const s = this.socket
    s.setTimeout(0)
    s[kOwner] = this.owner
    this.onReady(null, { socket: s, reused: false, authority: this.origin.authority })
  }

  private fail(err: Error): void {
    if (this.settled) return
    this.settled = true
    this.socket.destroy()
    this.onReady(err, null)
  }
}

/** A socket idle in the pool: data on it is a protocol error; its end takes it out. */
class Idle implements SocketOwner {
  constructor(
    private readonly origin: Origin,
    private readonly socket: PooledSocket,
  ) {}

  onData(): void {
    this.socket.destroy()
  }
  onEnd(): void {}
  onClose(): void {
    const idle = this.origin.idle
    const at = idle.indexOf(this.socket)
    if (at !== -1) idle.splice(at, 1)
  }
  onTimeout(): void {
    this.socket.destroy()
  }
}

/** The socket's listeners, set once for its whole life: each calls the current owner. */
function listen(s: PooledSocket): void {
  s.on('end', () => s[kOwner].onEnd())
  s.on('error', (err) => {
    s[kError] = err
  })
  s.on('close', () => s[kOwner].onClose(s[kError] ?? null))
  s.on('timeout', () => s[kOwner].onTimeout())
}

function noop(): void {}
