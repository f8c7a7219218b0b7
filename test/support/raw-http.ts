// Raw HTTP/1.1 over a TCP socket, for tests that must send bytes no HTTP client
// would (smuggling, bad encodings, slow or half-sent requests) and see exactly
// what comes back.
import net from 'node:net'

export interface RawResult {
  /** Everything the server sent, as latin1 text. */
  text: string
  /** Status codes of each response found in `text`, in order. */
  statuses: number[]
  /** The server closed the connection (as opposed to our read timing out). */
  closedByServer: boolean
  /** Milliseconds from connect to the end of reading. */
  elapsedMs: number
}

export interface RawOptions {
  /** Stop reading after this long with no close (default 1500 ms). */
  timeoutMs?: number
  /** Stop reading once this many responses have arrived in full (default: wait for close/timeout). */
  responses?: number
}

/** Send `payload` (one or more chunks, written back to back) and collect the answer. */
export function rawExchange(
  port: number,
  payload: string | Buffer | Array<string | Buffer>,
  opts: RawOptions = {},
): Promise<RawResult> {
  const chunks = Array.isArray(payload) ? payload : [payload]
  const timeoutMs = opts.timeoutMs ?? 1500
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = net.connect({ host: '127.0.0.1', port })
    let text = ''
    let closedByServer = false
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resolve({ text, statuses: statusesOf(text), closedByServer, elapsedMs: Date.now() - started })
    }
    const timer = setTimeout(finish, timeoutMs)
    socket.setNoDelay(true)
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c)
    })
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1')
      if (opts.responses !== undefined && completeResponses(text) >= opts.responses) finish()
    })
    socket.on('end', () => {
      closedByServer = true
      finish()
    })
    socket.on('close', () => {
      closedByServer = true
      finish()
    })
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the server answered is still an answer.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        closedByServer = true
        return finish()
      }
      if (!done) reject(err)
    })
  })
}

/** Status codes of every HTTP response in a byte stream. */
export function statusesOf(text: string): number[] {
  return [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3})/g)].map((m) => Number(m[1]))
}

/** Responses whose headers and (Content-Length or chunked) body have fully arrived. */
function completeResponses(text: string): number {
  let n = 0
  let rest = text
  for (;;) {
    const head = rest.indexOf('\r\n\r\n')
    if (!rest.startsWith('HTTP/') || head === -1) return n
    const headers = rest.slice(0, head).toLowerCase()
    let bodyEnd: number
    const cl = /\r\ncontent-length: *(\d+)/.exec(headers)
    if (cl) bodyEnd = head + 4 + Number(cl[1])
    else if (/\r\ntransfer-encoding: *chunked/.test(headers)) {
      const end = rest.indexOf('\r\n0\r\n\r\n', head)
      if (end === -1) return n
      bodyEnd = end + 7
    } else bodyEnd = head + 4
    if (rest.length < bodyEnd) return n
    n += 1
    rest = rest.slice(bodyEnd)
  }
}

/** An open socket the test writes to at its own pace. */
export interface SlowClient {
  socket: net.Socket
  /** Resolves when the server closes the connection, with what it sent and when. */
  closed: Promise<{ text: string; atMs: number }>
  write(data: string | Buffer): boolean
  destroy(): void
}

export function openSocket(port: number): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = net.connect({ host: '127.0.0.1', port })
    let text = ''
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')))
    const closed = new Promise<{ text: string; atMs: number }>((res) => {
      socket.on('close', () => res({ text, atMs: Date.now() - started }))
    })
    socket.on('error', () => {})
    socket.once('connect', () =>
      resolve({
        socket,
        closed,
        write: (d) => (socket.destroyed ? false : socket.write(d)),
        destroy: () => socket.destroy(),
      }),
    )
    socket.once('error', reject)
  })
}
