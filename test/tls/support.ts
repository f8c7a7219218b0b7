// Helpers for the HTTPS tests: the peer certificate of a real TLS connection, fetch and curl
// that trust one certificate only, and certificate files made on the spot.
import net from 'node:net'
import tls from 'node:tls'
import crypto from 'node:crypto'
import { spawn } from 'node:child_process'
import { Agent, fetch as undiciFetch } from 'undici'
import { generateSelfSigned } from '../../gateway/tls/certificate.js'

/** SHA-256 (hex) of the DER certificate a real TLS handshake with `port` presents. */
export function peerFingerprint(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw
      socket.end()
      resolve(crypto.createHash('sha256').update(raw).digest('hex'))
    })
    socket.on('error', reject)
  })
}

/** A fetch that trusts `ca` (and nothing else), as a JS client configured for Corral would. */
export function fetchTrusting(ca: string | null): typeof fetch {
  const dispatcher = new Agent({ connect: ca === null ? {} : { ca } })
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as string, { ...(init as object), dispatcher })) as unknown as typeof fetch
}

export interface CurlResult {
  code: number | null
  stdout: string
  stderr: string
}

export function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '--noproxy', '*', '--max-time', '10', ...args])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += String(d)))
    child.stderr.on('data', (d) => (stderr += String(d)))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A certificate for 127.0.0.1 valid from `from` for `days` (negative: already expired). */
export function makeCertificate(opts: { now?: number; days?: number } = {}) {
  return generateSelfSigned({
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    now: opts.now ?? Date.now(),
    validityDays: opts.days,
  })
}

/** The messages of an error and every `cause` under it (fetch wraps the TLS error twice). */
export async function failureChain(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    const parts: string[] = []
    for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message)
    return parts.join(' <- ')
  }
  throw new Error('expected the call to fail')
}

/** A port free on 127.0.0.1 right now (the plain HTTP port is never 0: 0 means none). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}
