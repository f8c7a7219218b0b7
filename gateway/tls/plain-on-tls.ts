// Plain HTTP that arrives on the HTTPS port (a teammate's client still set to http:// after
// the owner turned HTTPS on) gets a readable 400 in the client's dialect naming the https://
// address, as nginx answers with its 497 ("The plain HTTP request was sent to HTTPS port"),
// instead of a TLS alert the client shows as "empty reply" or "fetch failed".
//
// The first byte of a connection decides: a TLS record starts with 0x16 (handshake), an
// HTTP/1 request with a method's capital letter. The cost is one read per connection (not per
// request); everything that is not plain HTTP goes to TLS exactly as before.
import type { Server } from 'node:net'
import type { Socket } from 'node:net'
import { dialectOf, errorBody, ERRORS } from '../errors.js'

const TLS_HANDSHAKE = 0x16
/** Enough for a request line and the Host header; the rest of the request is never read. */
const HEAD_MAX_BYTES = 8192
const CODE = 'CORRAL_ERR_HTTPS_REQUIRED'

/** Make `server` (an https.Server) answer plain HTTP on its port; call once, right after creation. */
export function answerPlainHttp(server: Server, idleTimeoutMs: number): void {
  // tls.Server's own 'connection' listener starts the handshake: run it only for TLS.
  const toTls = server.listeners('connection') as Array<(socket: Socket) => void>
  server.removeAllListeners('connection')
  server.on('connection', (socket: Socket) => {
    socket.setTimeout(idleTimeoutMs, () => socket.destroy())
    socket.once('data', (chunk: Buffer) => {
      socket.pause()
      socket.setTimeout(0)
      const first = chunk[0] ?? TLS_HANDSHAKE
      if (first === TLS_HANDSHAKE || first < 0x41 || first > 0x5a) {
        // Node's TLS socket reads what is already buffered first (tls: "Socket already has
        // some buffered data - emulate receiving it").
        socket.unshift(chunk)
        for (const listener of toTls) listener.call(server, socket)
        return
      }
      answer(socket, chunk)
    })
  })
}

function answer(socket: Socket, first: Buffer): void {
  socket.on('error', () => socket.destroy())
  let head = first
  const reply = () => {
    socket.removeAllListeners('data')
    const text = head.subarray(0, HEAD_MAX_BYTES).toString('latin1')
    socket.end(plainHttpAnswer(text, `${socket.localAddress ?? ''}:${socket.localPort ?? ''}`))
  }
  if (complete(head)) return reply()
  socket.setTimeout(2000, reply)
  socket.on('data', (more: Buffer) => {
    head = Buffer.concat([head, more])
    if (complete(head)) reply()
  })
  socket.resume()
}

const complete = (head: Buffer) => head.length >= HEAD_MAX_BYTES || head.includes('\r\n\r\n')

/** The raw HTTP/1.1 400 for a plain request head sent to the HTTPS port `local` (host:port). */
export function plainHttpAnswer(head: string, local: string): string {
  const [line = '', ...headers] = head.split('\r\n')
  const target = line.split(' ')[1] ?? '/'
  const path = target.startsWith('/') ? safe(target, 512) : '/'
  const hostHeader =
    headers
      .find((h) => /^host:/i.test(h))
      ?.slice(5)
      .trim() ?? ''
  const host = /^[A-Za-z0-9.:[\]-]{1,255}$/.test(hostHeader) ? hostHeader : local
  const url = `https://${host}${path}`
  const message = `this server now uses HTTPS: use ${url} (the same address with https://; if your client warns about the certificate, ask the owner for it or open https://${host}/connect)`
  const body = JSON.stringify(errorBody(dialectOf(path), CODE, message))
  return (
    `HTTP/1.1 ${ERRORS[CODE].status} Bad Request\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  )
}

/** Printable ASCII only, bounded: the path is echoed back to the client that sent it. */
function safe(s: string, max: number): string {
  return s.replace(/[^\x21-\x7e]/g, '').slice(0, max)
}
