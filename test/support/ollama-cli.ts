// The `ollama` CLI's Go client (ollama api/client.go), rebuilt for tests byte for byte where
// Corral can see it: the key file it reads (~/.ollama/id_ed25519, OpenSSH format, written by
// cmd/cmd.go initializeKeypair), the request it signs (auth/auth.go Sign), its headers, and
// how it turns answers into the errors the CLI prints (checkError, stream(), api/types.go).
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import http from 'node:http'
import https from 'node:https'
import type { Readable } from 'node:stream'

// ---------------------------------------------------------------------------------------------
// Keys

export interface DeviceKey {
  privateKey: crypto.KeyObject
  /** The 32 raw public key bytes. */
  raw: Buffer
  /** `ssh-ed25519 AAAA...` (ssh.MarshalAuthorizedKey, without its newline). */
  publicLine: string
}

export function makeDeviceKey(): DeviceKey {
  const { privateKey } = crypto.generateKeyPairSync('ed25519')
  return fromPrivate(privateKey)
}

function fromPrivate(privateKey: crypto.KeyObject): DeviceKey {
  const jwk = privateKey.export({ format: 'jwk' })
  const raw = Buffer.from(jwk.x!, 'base64url')
  return { privateKey, raw, publicLine: `ssh-ed25519 ${wire(raw).toString('base64')}` }
}

/** RFC 8709 wire format: string "ssh-ed25519", string key. */
export function wire(raw: Buffer): Buffer {
  return Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)])
}

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(b.length)
  return Buffer.concat([len, b])
}

/**
 * The files `ollama serve` writes on first run: id_ed25519 (ssh.MarshalPrivateKey, PEM block
 * "OPENSSH PRIVATE KEY", no passphrase, no comment) and id_ed25519.pub (MarshalAuthorizedKey).
 */
export function writeOllamaKeyFiles(home: string, key: DeviceKey = makeDeviceKey()): DeviceKey {
  const dir = path.join(home, '.ollama')
  fs.mkdirSync(dir, { recursive: true })
  const seed = Buffer.from(key.privateKey.export({ format: 'jwk' }).d!, 'base64url')
  const check = crypto.randomBytes(4)
  let priv = Buffer.concat([
    check,
    check,
    sshString(Buffer.from('ssh-ed25519')),
    sshString(key.raw),
    sshString(Buffer.concat([seed, key.raw])),
    sshString(Buffer.alloc(0)),
  ])
  const pad = Buffer.from(Array.from({ length: (8 - (priv.length % 8)) % 8 }, (_, i) => i + 1))
  priv = Buffer.concat([priv, pad])
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(Buffer.from('none')),
    sshString(Buffer.from('none')),
    sshString(Buffer.alloc(0)),
    Buffer.from([0, 0, 0, 1]),
    sshString(wire(key.raw)),
    sshString(priv),
  ])
  const b64 = body.toString('base64').replace(/.{1,64}/g, '$&\n')
  const pem = `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`
  fs.writeFileSync(path.join(dir, 'id_ed25519'), pem, { mode: 0o600 })
  fs.writeFileSync(path.join(dir, 'id_ed25519.pub'), key.publicLine + '\n')
  return key
}

/** ssh.ParsePrivateKey for an unencrypted OpenSSH ed25519 key file. */
export function readOllamaKey(home: string): DeviceKey {
  const pem = fs.readFileSync(path.join(home, '.ollama', 'id_ed25519'), 'utf8')
  const b64 = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '')
  const buf = Buffer.from(b64, 'base64')
  const magic = 'openssh-key-v1\0'
  if (buf.toString('latin1', 0, magic.length) !== magic) throw new Error('not an OpenSSH key')
  let off = magic.length
  const str = () => {
    const n = buf.readUInt32BE(off)
    const s = buf.subarray(off + 4, off + 4 + n)
    off += 4 + n
    return s
  }
  str() // cipher
  str() // kdf
  str() // kdf options
  off += 4 // number of keys
  str() // public key
  const priv = str()
  off = 0
  const p = priv
  const pstr = () => {
    const n = p.readUInt32BE(off)
    const s = p.subarray(off + 4, off + 4 + n)
    off += 4 + n
    return s
  }
  off = 8
  pstr() // key type
  const pub = pstr()
  const both = pstr()
  const privateKey = crypto.createPrivateKey({
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: both.subarray(0, 32).toString('base64url'),
      x: pub.toString('base64url'),
    },
    format: 'jwk',
  })
  return fromPrivate(privateKey)
}

/** auth.Sign: `<base64 wire public key>:<base64 64-byte signature>`. */
export function signChallenge(key: DeviceKey, challenge: string): string {
  const sig = crypto.sign(null, Buffer.from(challenge), key.privateKey)
  return `${wire(key.raw).toString('base64')}:${sig.toString('base64')}`
}

// ---------------------------------------------------------------------------------------------
// Errors, as the CLI gets them

/** api.AuthorizationError: Error() is Status when set (a 401 body's `status` fills it). */
export class AuthorizationError extends Error {
  constructor(
    readonly statusCode: number,
    readonly status: string,
    readonly signinUrl: string,
  ) {
    super(status || 'something went wrong, please see the ollama server logs for details')
  }
}

/** api.StatusError. */
export class StatusError extends Error {
  constructor(
    readonly statusCode: number,
    readonly status: string,
    readonly errorMessage: string,
  ) {
    super(
      status && errorMessage
        ? `${status}: ${errorMessage}`
        : status ||
            errorMessage ||
            'something went wrong, please see the ollama server logs for details',
    )
  }
}

/** Go's encoding/json matches untagged fields case-insensitively: `status` fills Status. */
function field(obj: unknown, name: string): string {
  if (typeof obj !== 'object' || obj === null) return ''
  for (const [k, v] of Object.entries(obj))
    if (k.toLowerCase() === name && typeof v === 'string') return v
  return ''
}

// ---------------------------------------------------------------------------------------------
// The client

export interface GoClientOptions {
  /** OLLAMA_HOST, e.g. `http://127.0.0.1:11435`. */
  host: string
  /** OLLAMA_AUTH=1. */
  auth: boolean
  /** The home directory whose .ollama/id_ed25519 signs (read at each request, as Go does). */
  home?: string
  version?: string
  /** Unix time in ms (tests move the clock). */
  now?: () => number
}

/**
 * Go's http.DefaultClient keeps connections alive and reuses an idle one for the next
 * request once a body was read to its end; one socket at a time here does the same.
 */
function send(
  agent: http.Agent,
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<{ statusCode: number; body: Readable }> {
  const mod = url.startsWith('https:') ? https : http
  // Go's http.NewRequest sets Content-Length for a bytes.Reader/bytes.Buffer body.
  if (body !== undefined)
    headers = { ...headers, 'content-length': String(Buffer.byteLength(body)) }
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, headers, agent, rejectUnauthorized: false }, (res) =>
      resolve({ statusCode: res.statusCode ?? 0, body: res }),
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function readAll(body: Readable): Promise<string> {
  let s = ''
  for await (const chunk of body) s += (chunk as Buffer).toString('utf8')
  return s
}

export class OllamaGoClient {
  readonly agent: http.Agent
  private readonly base: URL
  readonly userAgent: string

  constructor(readonly opts: GoClientOptions) {
    this.base = new URL(opts.host)
    const agentOpts = { keepAlive: true, maxSockets: 1 }
    this.agent =
      this.base.protocol === 'https:' ? new https.Agent(agentOpts) : new http.Agent(agentOpts)
    this.userAgent = `ollama/${opts.version ?? '0.13.1'} (amd64 linux) Go/go1.24.1`
  }

  /** url.URL.JoinPath + the `ts` query and Authorization header of do()/stream(). */
  prepare(method: string, apiPath: string): { url: string; headers: Record<string, string> } {
    const basePath = this.base.pathname.replace(/\/+$/, '')
    const u = new URL(this.base.origin + (basePath + apiPath || '/'))
    const headers: Record<string, string> = {}
    if (this.opts.auth) {
      const now = Math.floor((this.opts.now ?? Date.now)() / 1000)
      const token = signChallenge(readOllamaKey(this.opts.home!), `${method},${apiPath}?ts=${now}`)
      u.search = `ts=${now}`
      headers.authorization = token
    }
    return { url: u.toString(), headers }
  }

  /** do(): the whole answer, checkError's errors. */
  async do<T = unknown>(method: string, apiPath: string, body?: unknown): Promise<T | null> {
    const { url, headers } = this.prepare(method, apiPath)
    const res = await send(
      this.agent,
      url,
      method,
      {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': this.userAgent,
      },
      body === undefined ? undefined : JSON.stringify(body),
    )
    const text = await readAll(res.body)
    let parsed: unknown = null
    try {
      parsed = text ? JSON.parse(text) : null
    } catch {
      parsed = null
    }
    if (res.statusCode === 401) {
      throw new AuthorizationError(401, field(parsed, 'status'), field(parsed, 'signin_url'))
    }
    if (res.statusCode >= 400) {
      if (parsed === null) throw new StatusError(res.statusCode, '', text)
      throw new StatusError(res.statusCode, field(parsed, 'status'), field(parsed, 'error'))
    }
    return (text && parsed) as T
  }

  /** stream(): one callback per NDJSON line; errors as api/client.go stream() makes them. */
  async stream(
    method: string,
    apiPath: string,
    body: unknown,
    fn: (line: unknown) => void,
  ): Promise<void> {
    const { url, headers } = this.prepare(method, apiPath)
    const res = await send(
      this.agent,
      url,
      method,
      {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/x-ndjson',
        'user-agent': this.userAgent,
      },
      JSON.stringify(body),
    )
    const statusLine = `${res.statusCode} ${STATUS_TEXT[res.statusCode] ?? ''}`.trim()
    let rest = ''
    for await (const chunk of res.body) {
      rest += (chunk as Buffer).toString('utf8')
      let nl: number
      while ((nl = rest.indexOf('\n')) !== -1) {
        const line = rest.slice(0, nl)
        rest = rest.slice(nl + 1)
        this.line(res.statusCode, statusLine, line, fn)
      }
    }
    if (rest) this.line(res.statusCode, statusLine, rest, fn)
  }

  private line(code: number, statusLine: string, line: string, fn: (l: unknown) => void): void {
    let obj: unknown
    try {
      obj = JSON.parse(line)
    } catch {
      if (code >= 400) throw new StatusError(code, statusLine, line)
      throw new Error(line)
    }
    if (code === 401) throw new AuthorizationError(401, statusLine, field(obj, 'signin_url'))
    if (code >= 400) throw new StatusError(code, statusLine, field(obj, 'error'))
    if (field(obj, 'error')) throw new Error(field(obj, 'error'))
    fn(obj)
  }

  // The calls the commands make (api/client.go).
  heartbeat = () => this.do('HEAD', '/').then(() => null)
  list = () => this.do<{ models: Array<{ name: string }> }>('GET', '/api/tags')
  ps = () => this.do<{ models: Array<{ name: string }> }>('GET', '/api/ps')
  show = (model: string) => this.do<Record<string, unknown>>('POST', '/api/show', { model })
  copy = (source: string, destination: string) =>
    this.do('POST', '/api/copy', { source, destination })
  /** `ollama rm` sends api.DeleteRequest{Name: arg}: `{"model":"","name":...}`. */
  delete = (name: string) => this.do('DELETE', '/api/delete', { model: '', name })
  version = () => this.do<{ version: string }>('GET', '/api/version')
  generate = (req: object, fn: (l: unknown) => void = () => {}) =>
    this.stream('POST', '/api/generate', req, fn)
  chat = (req: object, fn: (l: unknown) => void = () => {}) =>
    this.stream('POST', '/api/chat', req, fn)
  pull = (model: string, fn: (l: unknown) => void = () => {}) =>
    this.stream('POST', '/api/pull', { model }, fn)
  push = (model: string, fn: (l: unknown) => void = () => {}) =>
    this.stream('POST', '/api/push', { model }, fn)
  create = (req: object, fn: (l: unknown) => void = () => {}) =>
    this.stream('POST', '/api/create', req, fn)

  close(): Promise<void> {
    this.agent.destroy()
    return Promise.resolve()
  }
}

const STATUS_TEXT: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
}

/**
 * What `ollama run MODEL` prints on a 401 (cmd/cmd.go handleCloudAuthorizationError and
 * ConnectInstructions), or the error text cobra prints as "Error: ..." otherwise.
 */
export function cliOutput(command: 'run' | 'other', err: unknown): string {
  if (command === 'run' && err instanceof AuthorizationError && err.statusCode === 401) {
    let out = 'You need to be signed in to Ollama to run Cloud models.\n\n'
    if (err.signinUrl) out += `If your browser did not open, navigate to:\n    ${err.signinUrl}\n\n`
    return out
  }
  return `Error: ${(err as Error).message}`
}
