/**
 * A stand-in for Ollama: a real HTTP server (node:http, 127.0.0.1, port 0) that speaks Ollama's
 * native API (NDJSON streams) and its OpenAI-compatible `/v1` API (SSE) closely enough for the real
 * `ollama` and `openai` npm clients. Every integration test and the benchmark run against it, so the
 * per-request path is kept cheap: no logging, small frames, one record per request.
 *
 * Output is deterministic: streamed content is `${name}-tok0 `, `${name}-tok1 `, ...; token counts
 * are word counts of the prompt and the number of content frames; embeddings are 8 floats derived
 * from a SHA-256 of the input. Faults (`fault()`) make it misbehave the way a backend does.
 */
import http from 'node:http'
import { createHash } from 'node:crypto'
import type { AddressInfo, Socket } from 'node:net'
import { performance } from 'node:perf_hooks'

export interface FakeModel {
  name: string
  family?: string
  size?: number
  parameterSize?: string
}

export interface FakeOllamaOptions {
  /** Installed models. Default: llama3.2:latest, qwen2.5:0.5b, nomic-embed-text:latest. */
  models?: FakeModel[]
  /** Names reported by /api/ps (default: none). Not changed by inference requests. */
  loaded?: string[]
  /** Content frames per streamed response (default 5). */
  frames?: number
  /** Delay between frames (default 2). */
  frameIntervalMs?: number
  /** Delay before response headers on inference paths only, like a cold model load (default 0). */
  firstByteDelayMs?: number
  /** Add `sent_at` (epoch ms, float, taken just before the write) to every streamed frame. */
  stampFrames?: boolean
  /** Reported by /api/version (default '0.33.0', the Ollama this stand-in follows; older ones have known CVEs, gateway/advisories/). */
  version?: string
  /** Prefix of generated tokens, so tests can tell backends apart (default 'fake'). */
  name?: string
  /** Listen address (default '127.0.0.1'). */
  host?: string
  /** Listen port (default 0: any free port). */
  port?: number
  /**
   * Like Ollama's OLLAMA_NUM_PARALLEL + OLLAMA_MAX_QUEUE: an inference request that arrives
   * while this many are being answered gets 503 "server busy" (default: Infinity, never).
   */
  maxPending?: number
}

export interface RecordedRequest {
  method: string
  path: string
  url: string
  headers: http.IncomingHttpHeaders
  /** Parsed JSON, the raw Buffer (blobs, or a body that is not JSON), or undefined when empty. */
  body: unknown
  /** The client closed the connection before the response ended. */
  aborted: boolean
  /** When the abort was seen (epoch ms, as `at`), or null. */
  abortedAt: number | null
  /** The whole response was written. */
  finished: boolean
  /** Arrival time, epoch ms (performance.timeOrigin + performance.now()). */
  at: number
}

export type Fault =
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'break-mid-stream'; afterFrames: number }
  | { kind: 'hang-before-headers' }
  | { kind: 'garbage' }
  | { kind: 'reset' }

export interface FakeOllama {
  url: string
  port: number
  /** Live options: change them between requests (frames, delays, models, loaded...). */
  options: Required<FakeOllamaOptions>
  requests: RecordedRequest[]
  /** Requests whose response has not ended yet. */
  inFlight(): number
  /** Inference requests answered 503 "server busy" (past `maxPending`). */
  busyAnswers: number
  /**
   * Misbehave on the next `times` requests (default: all until cleared with `fault(null)`) whose
   * path is in `paths` (exact, or a prefix when the entry ends in `*`; default: every path).
   * `status` sends `body` as JSON (a string is sent as text/plain; default: an error in the path's
   * dialect). `break-mid-stream` cuts the connection after N frames (a non-streamed answer is cut
   * halfway). `garbage` writes non-HTTP bytes and closes; `reset` sends a TCP RST.
   */
  fault(f: Fault | null, opts?: { times?: number; paths?: string[] }): void
  /** Resolves with the first (past or future) request matching `pred`; rejects after timeoutMs. */
  waitFor(pred: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>
  /** Clears recorded requests and faults. */
  reset(): void
  /** Stops listening, lets in-flight responses end (2 s at most), drops idle keep-alive sockets. */
  close(): Promise<void>
  /** Destroys every open socket now and stops listening: a backend dying. */
  kill(): Promise<void>
}

const DEFAULT_MODELS: readonly FakeModel[] = [
  { name: 'llama3.2:latest', family: 'llama', size: 2_019_393_189, parameterSize: '3.2B' },
  { name: 'qwen2.5:0.5b', family: 'qwen2', size: 397_821_319, parameterSize: '494.03M' },
  {
    name: 'nomic-embed-text:latest',
    family: 'nomic-bert',
    size: 274_302_450,
    parameterSize: '137M',
  },
]
/** Ollama's words when its queue is full (server/sched.go, ErrMaxQueue). */
export const BUSY_MESSAGE = 'server busy, please try again.  maximum pending requests exceeded'
const INFERENCE_PATHS = new Set([
  '/api/chat',
  '/api/generate',
  '/api/embed',
  '/api/embeddings',
  '/v1/chat/completions',
  '/v1/completions',
  '/v1/embeddings',
])
const MODIFIED_AT = '2025-01-01T00:00:00Z'
const MODIFIED_UNIX_S = Date.parse(MODIFIED_AT) / 1000
const EMBED_DIMS = 8
const KEEP_ALIVE_TIMEOUT_MS = 65_000
const HEADERS_TIMEOUT_MS = 70_000
const CLOSE_GRACE_MS = 2_000
const WAIT_FOR_DEFAULT_MS = 2_000
const PS_EXPIRY_MS = 5 * 60_000
const NS_PER_MS = 1_000_000
const GARBAGE = Buffer.from('\u0000\u0001\u0002 this is not HTTP \uFFFD\r\n\r\n<<<garbage>>>\r\n')

type Json = Record<string, unknown>
type Frame = Record<string, unknown>
type ErrorFn = (c: Ctx, status: number, message: string) => void

interface Ctx {
  req: http.IncomingMessage
  res: http.ServerResponse
  rec: RecordedRequest
  path: string
  body: unknown
  /** performance.now() at arrival */
  start: number
  /** the response is closed (client left, or the server cut it) */
  gone: boolean
  /** the server cut the connection on purpose (fault, kill): not a client abort */
  cut: boolean
  /** break-mid-stream: frames to send before cutting */
  breakAfter: number | undefined
}

interface ArmedFault {
  fault: Fault
  remaining: number
  paths: string[] | undefined
}

interface StreamSpec {
  sse: boolean
  count: number
  frame: (i: number) => Frame
  tail: (sent: number) => Frame[]
}

const now = (): number => performance.timeOrigin + performance.now()
const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')
const str = (v: unknown): string => (typeof v === 'string' ? v : '')
const obj = (v: unknown): Json =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {}
const words = (s: string): number => {
  const t = s.trim()
  return t ? t.split(/\s+/).length : 0
}
const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString()
const unixNow = (): number => Math.floor(Date.now() / 1000)

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)))
}

/** `llama3.2` and `llama3.2:latest` name the same model, as in Ollama. */
function normalizeName(name: string): string {
  const lastSegment = name.slice(name.lastIndexOf('/') + 1)
  return lastSegment.includes(':') ? name : `${name}:latest`
}

function guessFamily(name: string): string {
  if (name.includes('embed')) return 'nomic-bert'
  return /^[a-z]+/i.exec(name.slice(name.lastIndexOf('/') + 1))?.[0]?.toLowerCase() ?? 'llama'
}

function isEmbeddingOnly(m: FakeModel): boolean {
  return (m.family ?? '').includes('bert') || m.name.includes('embed')
}

/** 8 deterministic, L2-normalised float32 values (so float and base64 encodings agree). */
function vector(text: string): number[] {
  const h = createHash('sha256').update(text).digest()
  const v = Array.from({ length: EMBED_DIMS }, (_, i) => ((h[i] ?? 0) - 127.5) / 127.5)
  const norm = Math.hypot(...v) || 1
  return v.map((x) => Math.fround(x / norm))
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => str(obj(part).text)).join(' ')
}

function parseBody(raw: Buffer, path: string): unknown {
  if (raw.length === 0) return undefined
  if (path.startsWith('/api/blobs/')) return raw
  try {
    return JSON.parse(raw.toString('utf8')) as unknown
  } catch {
    return raw
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)))
    req.on('error', reject)
    req.on('close', () => {
      if (!req.complete) reject(new Error('request body aborted'))
    })
  })
}

/** Resolves when a backpressured response can take more, or is gone. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

// ---------------------------------------------------------------------------------------------
// Responses

function send(c: Ctx, status: number, type: string, body: string): void {
  if (c.gone) return
  if (c.breakAfter !== undefined) {
    // A non-streamed answer cut by break-mid-stream: full Content-Length, half the bytes.
    c.res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
    c.res.write(body.slice(0, Math.floor(body.length / 2)))
    cutConnection(c)
    return
  }
  c.res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) })
  c.res.end(body)
}

const sendJson = (c: Ctx, status: number, value: unknown): void =>
  send(c, status, 'application/json; charset=utf-8', JSON.stringify(value))

const sendEmpty = (c: Ctx, status: number): void => send(c, status, 'text/plain', '')

const ollamaError: ErrorFn = (c, status, message) => sendJson(c, status, { error: message })

const openaiError: ErrorFn = (c, status, message) => {
  const type =
    status === 400 ? 'invalid_request_error' : status === 404 ? 'not_found_error' : 'api_error'
  sendJson(c, status, { error: { message, type, param: null, code: null } })
}

const notFoundPage = (c: Ctx): void => send(c, 404, 'text/plain', '404 page not found')

/** Flush what was written, then drop the connection (no final frame, no terminating chunk). */
function cutConnection(c: Ctx): void {
  c.cut = true
  if (!c.res.headersSent) c.res.flushHeaders()
  const socket = c.req.socket
  socket.end(() => socket.destroy())
}

// ---------------------------------------------------------------------------------------------
// Server

class FakeOllamaServer implements FakeOllama {
  url = ''
  port = 0
  requests: RecordedRequest[] = []
  busyAnswers = 0
  readonly blobs = new Set<string>()
  private inference = 0
  private readonly server: http.Server
  private readonly sockets = new Set<Socket>()
  private readonly waiters = new Set<(r: RecordedRequest) => void>()
  private readonly hung = new Set<Ctx>()
  private armed: ArmedFault | null = null
  private active = 0
  private closing = false
  private killing = false
  private onIdle: (() => void) | null = null
  private idIndex = 0

  constructor(readonly options: Required<FakeOllamaOptions>) {
    this.server = http.createServer((req, res) => void this.handle(req, res))
    this.server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS
    this.server.headersTimeout = HEADERS_TIMEOUT_MS
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.port, this.options.host, () => resolve())
    })
    this.port = (this.server.address() as AddressInfo).port
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host
    this.url = `http://${host}:${this.port}`
  }

  inFlight(): number {
    return this.active
  }

  fault(f: Fault | null, opts: { times?: number; paths?: string[] } = {}): void {
    this.armed = f ? { fault: f, remaining: opts.times ?? Infinity, paths: opts.paths } : null
  }

  waitFor(
    pred: (r: RecordedRequest) => boolean,
    timeoutMs = WAIT_FOR_DEFAULT_MS,
  ): Promise<RecordedRequest> {
    const hit = this.requests.find(pred)
    if (hit) return Promise.resolve(hit)
    return new Promise<RecordedRequest>((resolve, reject) => {
      const waiter = (r: RecordedRequest): void => {
        if (!pred(r)) return
        clearTimeout(timer)
        this.waiters.delete(waiter)
        resolve(r)
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        const seen = this.requests.slice(-20).map((r) => `${r.method} ${r.path}`)
        const more = this.requests.length > 20 ? `${this.requests.length - 20} more, ` : ''
        reject(
          new Error(
            `waitFor: no matching request in ${timeoutMs} ms (seen: ${more}${seen.join(', ')})`,
          ),
        )
      }, timeoutMs)
      this.waiters.add(waiter)
    })
  }

  reset(): void {
    this.requests.length = 0
    this.armed = null
  }

  async close(): Promise<void> {
    this.closing = true
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeIdleConnections()
    for (const c of this.hung) cutConnection(c)
    if (this.active > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_GRACE_MS)
        this.onIdle = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
    for (const socket of this.sockets) socket.destroy()
    await stopped
  }

  async kill(): Promise<void> {
    this.killing = true
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    await stopped
  }

  findModel(name: string): FakeModel | undefined {
    const wanted = normalizeName(name)
    return this.options.models.find((m) => normalizeName(m.name) === wanted)
  }

  nextId(): number {
    this.idIndex = (this.idIndex + 1) % 999
    return this.idIndex
  }

  token(i: number): string {
    return `${this.options.name}-tok${i} `
  }

  /** Sleep `ms`; false when the client went away meanwhile. */
  async wait(c: Ctx, ms: number): Promise<boolean> {
    if (ms > 0) await sleep(ms)
    return !c.gone
  }

  /** Write a whole streamed response, pacing frames and honouring break-mid-stream. */
  async stream(c: Ctx, spec: StreamSpec): Promise<void> {
    if (c.gone) return
    const { res } = c
    res.writeHead(200, {
      'Content-Type': spec.sse ? 'text/event-stream' : 'application/x-ndjson',
      ...(spec.sse ? { 'Cache-Control': 'no-cache' } : {}),
    })
    const limit = c.breakAfter ?? Infinity
    let sent = 0
    while (sent < spec.count && sent < limit) {
      if (sent > 0) await sleep(this.options.frameIntervalMs)
      if (c.gone) return
      if (!res.write(this.encode(spec.frame(sent), spec.sse))) await drained(res)
      sent++
    }
    if (c.gone) return
    if (sent >= limit) return cutConnection(c)
    const tail = spec.tail(sent).map((f) => this.encode(f, spec.sse))
    res.end(tail.join('') + (spec.sse ? 'data: [DONE]\n\n' : ''))
  }

  private encode(frame: Frame, sse: boolean): string {
    if (this.options.stampFrames) frame = stamped(frame)
    return sse ? `data: ${JSON.stringify(frame)}\n\n` : `${JSON.stringify(frame)}\n`
  }

  private notify(rec: RecordedRequest): void {
    for (const waiter of this.waiters) waiter(rec)
  }

  private takeFault(path: string): Fault | undefined {
    const a = this.armed
    if (!a) return undefined
    const matches =
      !a.paths ||
      a.paths.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p === path))
    if (!matches) return undefined
    if (--a.remaining <= 0) this.armed = null
    return a.fault
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q < 0 ? url : url.slice(0, q)
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      url,
      headers: req.headers,
      body: undefined,
      aborted: false,
      abortedAt: null,
      finished: false,
      at: now(),
    }
    const c: Ctx = {
      req,
      res,
      rec,
      path,
      body: undefined,
      start: performance.now(),
      gone: false,
      cut: false,
      breakAfter: undefined,
    }
    this.requests.push(rec)
    this.active++
    res.on('error', () => {}) // a write racing a client abort must not crash the test run
    res.on('close', () => this.onResponseClose(c))
    this.notify(rec)
    let raw: Buffer
    try {
      raw = await readBody(req)
    } catch {
      return // the client left while uploading; onResponseClose records it
    }
    c.body = rec.body = parseBody(raw, path)
    this.notify(rec)
    const fault = this.takeFault(path)
    if (fault && this.applyFault(c, fault)) return
    if (!INFERENCE_PATHS.has(path)) return route(this, c)
    if (this.inference >= this.options.maxPending) {
      this.busyAnswers++
      return (path.startsWith('/v1/') ? openaiError : ollamaError)(c, 503, BUSY_MESSAGE)
    }
    this.inference++
    try {
      await route(this, c)
    } finally {
      this.inference--
    }
  }

  private onResponseClose(c: Ctx): void {
    c.gone = true
    this.active--
    this.hung.delete(c)
    if (c.res.writableFinished) c.rec.finished = true
    else if (!c.cut && !this.killing) {
      c.rec.aborted = true
      c.rec.abortedAt = now()
    }
    this.notify(c.rec)
    if (this.closing && this.active === 0) this.onIdle?.()
  }

  /** Returns true when the fault replaces the normal answer. */
  private applyFault(c: Ctx, f: Fault): boolean {
    const socket = c.req.socket
    switch (f.kind) {
      case 'status': {
        const v1 = c.path.startsWith('/v1/')
        if (typeof f.body === 'string') send(c, f.status, 'text/plain; charset=utf-8', f.body)
        else if (f.body !== undefined) sendJson(c, f.status, f.body)
        else (v1 ? openaiError : ollamaError)(c, f.status, `fake-ollama fault: status ${f.status}`)
        return true
      }
      case 'break-mid-stream':
        c.breakAfter = Math.max(0, f.afterFrames)
        return false
      case 'hang-before-headers':
        this.hung.add(c)
        return true
      case 'garbage':
        c.cut = true
        socket.end(GARBAGE, () => socket.destroy())
        return true
      case 'reset':
        c.cut = true
        socket.resetAndDestroy()
        return true
    }
  }
}

/** Starts a fake Ollama listening on `host:port` (default 127.0.0.1, any free port). */
/**
 * The frame with `sent_at` (epoch ms, taken now) placed before `done`, so the fields keep
 * the order Ollama's Go encoder writes (`done` last in every frame but the final one).
 */
function stamped(frame: Frame): Frame {
  const out: Frame = {}
  let stampedAt = false
  for (const key of Object.keys(frame)) {
    if (key === 'done') {
      out.sent_at = now()
      stampedAt = true
    }
    out[key] = frame[key]
  }
  if (!stampedAt) out.sent_at = now()
  return out
}

export async function startFakeOllama(opts: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const options: Required<FakeOllamaOptions> = {
    models: (opts.models ?? DEFAULT_MODELS).map((m) => ({ ...m })),
    loaded: [...(opts.loaded ?? [])],
    frames: opts.frames ?? 5,
    frameIntervalMs: opts.frameIntervalMs ?? 2,
    firstByteDelayMs: opts.firstByteDelayMs ?? 0,
    stampFrames: opts.stampFrames ?? false,
    version: opts.version ?? '0.33.0',
    name: opts.name ?? 'fake',
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    maxPending: opts.maxPending ?? Infinity,
  }
  const fake = new FakeOllamaServer(options)
  await fake.listen()
  return fake
}

// ---------------------------------------------------------------------------------------------
// Routing

type Handler = (s: FakeOllamaServer, c: Ctx) => void | Promise<void>

async function route(s: FakeOllamaServer, c: Ctx): Promise<void> {
  const method = c.rec.method === 'HEAD' ? 'GET' : c.rec.method
  const handler = ROUTES.get(`${method} ${c.path}`)
  if (handler) return handler(s, c)
  if (c.path.startsWith('/api/blobs/')) return blob(s, c)
  if (method === 'GET' && c.path.startsWith('/v1/models/')) {
    return v1Model(s, c, decodeURIComponent(c.path.slice('/v1/models/'.length)))
  }
  notFoundPage(c)
}

// ---------------------------------------------------------------------------------------------
// Shared request helpers

/** The JSON object body, or undefined after answering 400 in the caller's dialect. */
function jsonBody(c: Ctx, err: ErrorFn): Json | undefined {
  if (c.body === undefined) return void err(c, 400, 'missing request body')
  if (Buffer.isBuffer(c.body)) return void err(c, 400, 'invalid JSON in request body')
  if (typeof c.body !== 'object' || c.body === null || Array.isArray(c.body)) {
    return void err(c, 400, 'request body must be a JSON object')
  }
  return c.body as Json
}

/** The requested model, or undefined after answering 400/404 like Ollama does. */
function inferenceModel(
  s: FakeOllamaServer,
  c: Ctx,
  name: string,
  op: 'generate' | 'chat' | 'embed',
  err: ErrorFn,
): FakeModel | undefined {
  if (!name) return void err(c, 400, 'model is required')
  const model = s.findModel(name)
  if (!model) return void err(c, 404, `model "${name}" not found, try pulling it first`)
  if (op !== 'embed' && isEmbeddingOnly(model)) {
    return void err(c, 400, `"${name}" does not support ${op}`)
  }
  return model
}

/** How many content frames to send, and why generation stops. */
function frameCount(s: FakeOllamaServer, cap: unknown): { count: number; reason: string } {
  const n = s.options.frames
  if (typeof cap === 'number' && cap >= 0 && cap < n) return { count: cap, reason: 'length' }
  return { count: n, reason: 'stop' }
}

function metrics(s: FakeOllamaServer, c: Ctx, promptCount: number, evalCount: number): Json {
  const o = s.options
  return {
    total_duration: Math.max(1, Math.round((performance.now() - c.start) * NS_PER_MS)),
    load_duration: Math.max(1, Math.round(o.firstByteDelayMs * NS_PER_MS)),
    prompt_eval_count: promptCount,
    prompt_eval_duration: Math.max(1, promptCount * 50_000),
    eval_count: evalCount,
    eval_duration: Math.max(
      1,
      Math.round(Math.max(0, evalCount - 1) * o.frameIntervalMs * NS_PER_MS),
    ),
  }
}

function details(m: FakeModel): Json {
  const family = m.family ?? guessFamily(m.name)
  return {
    parent_model: '',
    format: 'gguf',
    family,
    families: [family],
    parameter_size: m.parameterSize ?? '1B',
    quantization_level: isEmbeddingOnly(m) ? 'F16' : 'Q4_K_M',
  }
}

const digestOf = (m: FakeModel): string => sha256(m.name)
const sizeOf = (m: FakeModel): number => m.size ?? 1_000_000_000

const pace = (s: FakeOllamaServer, count: number): number =>
  Math.max(0, count - 1) * s.options.frameIntervalMs
const fullText = (s: FakeOllamaServer, count: number): string =>
  Array.from({ length: count }, (_, i) => s.token(i)).join('')
const isZero = (v: unknown): boolean => v === 0 || v === '0' || v === '0s'

function inputsOf(v: unknown): string[] | null {
  if (typeof v === 'string') return [v]
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
  return null
}

function paramCount(size: string | undefined): number {
  const m = /^([\d.]+)([KMB])?$/i.exec(size ?? '1B')
  const scale = { K: 1e3, M: 1e6, B: 1e9 }[(m?.[2] ?? 'B').toUpperCase() as 'K' | 'M' | 'B']
  return Math.round(Number(m?.[1] ?? 1) * scale)
}

/** Ollama's `owned_by`: the namespace of the name (`library` for library models). */
function ownerOf(name: string): string {
  const parts = name.split(':')[0]!.split('/')
  return parts.length >= 2 ? parts[parts.length - 2]! : 'library'
}

function addModel(s: FakeOllamaServer, m: FakeModel): void {
  if (!s.findModel(m.name)) s.options.models.push({ ...m, name: normalizeName(m.name) })
}

// ---------------------------------------------------------------------------------------------
// Native API: status and inventory

const root: Handler = (_s, c) => send(c, 200, 'text/plain; charset=utf-8', 'Ollama is running')
const version: Handler = (s, c) => sendJson(c, 200, { version: s.options.version })

const tags: Handler = (s, c) => {
  const models = s.options.models.map((m) => ({
    name: m.name,
    model: m.name,
    modified_at: MODIFIED_AT,
    size: sizeOf(m),
    digest: digestOf(m),
    details: details(m),
  }))
  sendJson(c, 200, { models })
}

const ps: Handler = (s, c) => {
  const models = s.options.loaded.map((name) => {
    const m = s.findModel(name) ?? { name }
    const size = sizeOf(m)
    const info = { name: m.name, model: m.name, size, digest: digestOf(m), details: details(m) }
    return { ...info, expires_at: isoIn(PS_EXPIRY_MS), size_vram: size, context_length: 4096 }
  })
  sendJson(c, 200, { models })
}

const show: Handler = (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const name = str(b.model) || str(b.name)
  if (!name) return ollamaError(c, 400, 'model is required')
  const m = s.findModel(name)
  if (!m) return ollamaError(c, 404, `model '${name}' not found`)
  const d = details(m)
  const family = String(d.family)
  const embedding = isEmbeddingOnly(m)
  sendJson(c, 200, {
    license: '',
    modelfile:
      `# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this, replace ` +
      `FROM with:\n# FROM ${m.name}\n\nFROM /root/.ollama/models/blobs/sha256-${digestOf(m)}\n` +
      `TEMPLATE "{{ .Prompt }}"\n`,
    parameters: embedding
      ? 'num_ctx                        8192'
      : 'stop                           "<|eot_id|>"',
    template: '{{ .Prompt }}',
    details: d,
    model_info: {
      'general.architecture': family,
      'general.basename': m.name.split(':')[0],
      'general.parameter_count': paramCount(m.parameterSize),
      [`${family}.context_length`]: embedding ? 2048 : 131072,
      [`${family}.embedding_length`]: embedding ? 768 : 3072,
    },
    capabilities: embedding ? ['embedding'] : ['completion', 'tools'],
    modified_at: MODIFIED_AT,
  })
}

// ---------------------------------------------------------------------------------------------
// Native API: inference

/** /api/generate and /api/chat: the same engine, two frame shapes. */
async function nativeInference(s: FakeOllamaServer, c: Ctx, chat: boolean): Promise<void> {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const model = str(b.model)
  if (!inferenceModel(s, c, model, chat ? 'chat' : 'generate', ollamaError)) return
  const messages = Array.isArray(b.messages) ? (b.messages as unknown[]) : []
  const prompt = chat ? messages.map((m) => textOf(obj(m).content)).join(' ') : str(b.prompt)
  const head = (): Frame => ({ model, created_at: new Date().toISOString() })
  const piece = (content: string): Frame =>
    chat ? { message: { role: 'assistant', content } } : { response: content }
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  if (chat ? messages.length === 0 : !prompt) {
    // Ollama answers an empty request by loading (or, with keep_alive 0, unloading) the model.
    const doneReason = isZero(b.keep_alive) ? 'unload' : 'load'
    return sendJson(c, 200, { ...head(), ...piece(''), done: true, done_reason: doneReason })
  }
  const { count, reason } = frameCount(s, obj(b.options).num_predict)
  const promptCount = words(prompt)
  const final = (sent: number, text: string): Frame => ({
    ...head(),
    ...piece(text),
    done: true,
    done_reason: reason,
    ...metrics(s, c, promptCount, sent),
  })
  if (b.stream === false) {
    if (!(await s.wait(c, pace(s, count)))) return
    return sendJson(c, 200, final(count, fullText(s, count)))
  }
  await s.stream(c, {
    sse: false,
    count,
    frame: (i) => ({ ...head(), ...piece(s.token(i)), done: false }),
    tail: (sent) => [final(sent, '')],
  })
}

const generate: Handler = (s, c) => nativeInference(s, c, false)
const chat: Handler = (s, c) => nativeInference(s, c, true)

const embed: Handler = async (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const model = str(b.model)
  if (!inferenceModel(s, c, model, 'embed', ollamaError)) return
  const inputs = b.input === undefined ? [] : inputsOf(b.input)
  if (!inputs) return ollamaError(c, 400, 'invalid input type')
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  const m = metrics(
    s,
    c,
    inputs.reduce((n, t) => n + words(t), 0),
    0,
  )
  sendJson(c, 200, {
    model,
    embeddings: inputs.map(vector),
    total_duration: m.total_duration,
    load_duration: m.load_duration,
    prompt_eval_count: m.prompt_eval_count,
  })
}

/** Legacy /api/embeddings: `{ model, prompt }` -> `{ embedding }`. */
const embeddings: Handler = async (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  if (!inferenceModel(s, c, str(b.model), 'embed', ollamaError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  const prompt = str(b.prompt)
  sendJson(c, 200, { embedding: prompt ? vector(prompt) : [] })
}

// ---------------------------------------------------------------------------------------------
// Native API: model management

/** NDJSON status frames ending in `success` (or one `{"status":"success"}` with stream:false). */
async function progress(
  s: FakeOllamaServer,
  c: Ctx,
  stream: unknown,
  frames: Frame[],
  onSuccess: () => void,
): Promise<void> {
  if (stream === false) {
    if (!(await s.wait(c, pace(s, frames.length)))) return
    onSuccess()
    return sendJson(c, 200, { status: 'success' })
  }
  await s.stream(c, {
    sse: false,
    count: frames.length,
    frame: (i) => ({ ...frames[i] }),
    tail: () => {
      onSuccess()
      return [{ status: 'success' }]
    },
  })
}

function layerFrames(verb: string, m: FakeModel): Frame[] {
  const digest = `sha256:${digestOf(m)}`
  const total = sizeOf(m)
  const status = `${verb} ${digest.slice(7, 19)}`
  return [0, Math.floor(total / 2), total].map((completed) => ({
    status,
    digest,
    total,
    completed,
  }))
}

const modelName = (b: Json): string => str(b.model) || str(b.name)

const pull: Handler = async (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const name = modelName(b)
  if (!name) return ollamaError(c, 400, 'model is required')
  const m = s.findModel(name) ?? { name: normalizeName(name), family: guessFamily(name) }
  const frames = [
    { status: 'pulling manifest' },
    ...layerFrames('pulling', m),
    { status: 'verifying sha256 digest' },
    { status: 'writing manifest' },
  ]
  await progress(s, c, b.stream, frames, () => addModel(s, m))
}

const push: Handler = async (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const name = modelName(b)
  const m = s.findModel(name)
  if (!m) return ollamaError(c, 404, `model "${name}" not found`)
  const frames = [
    { status: 'retrieving manifest' },
    ...layerFrames('pushing', m),
    { status: 'pushing manifest' },
  ]
  await progress(s, c, b.stream, frames, () => {})
}

const create: Handler = async (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const name = modelName(b)
  if (!name) return ollamaError(c, 400, 'model is required')
  const base = s.findModel(str(b.from))
  const m: FakeModel = {
    ...base,
    name: normalizeName(name),
    family: base?.family ?? guessFamily(name),
  }
  const frames = [
    { status: 'gathering model components' },
    { status: `using existing layer sha256:${digestOf(base ?? m)}` },
    { status: 'writing manifest' },
  ]
  await progress(s, c, b.stream, frames, () => addModel(s, m))
}

const copy: Handler = (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const source = str(b.source)
  const destination = str(b.destination)
  if (!source || !destination) return ollamaError(c, 400, 'source and destination are required')
  const m = s.findModel(source)
  if (!m) return ollamaError(c, 404, `model "${source}" not found`)
  addModel(s, { ...m, name: destination })
  sendEmpty(c, 200)
}

const remove: Handler = (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const name = modelName(b)
  const m = s.findModel(name)
  if (!m) return ollamaError(c, 404, `model '${name}' not found`)
  const o = s.options
  o.models = o.models.filter((x) => x !== m)
  o.loaded = o.loaded.filter((x) => normalizeName(x) !== normalizeName(m.name))
  sendEmpty(c, 200)
}

/** HEAD /api/blobs/:digest (200 or 404) and POST /api/blobs/:digest (the body must match). */
function blob(s: FakeOllamaServer, c: Ctx): void {
  const digest = decodeURIComponent(c.path.slice('/api/blobs/'.length))
  if (c.rec.method === 'HEAD') {
    return s.blobs.has(digest) ? sendEmpty(c, 200) : ollamaError(c, 404, 'blob not found')
  }
  if (c.rec.method !== 'POST') return notFoundPage(c)
  const data = Buffer.isBuffer(c.body) ? c.body : Buffer.alloc(0)
  const actual = `sha256:${sha256(data)}`
  if (actual !== digest) {
    return ollamaError(c, 400, `digest mismatch, expected "${digest}", got "${actual}"`)
  }
  s.blobs.add(digest)
  sendEmpty(c, 201)
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible API

function openaiText(
  s: FakeOllamaServer,
  c: Ctx,
  b: Json,
  promptCount: number,
  kind: 'chat' | 'text',
): Promise<void> | void {
  const model = str(b.model)
  const { count, reason } = frameCount(s, b.max_tokens)
  const id = kind === 'chat' ? `chatcmpl-${s.nextId()}` : `cmpl-${s.nextId()}`
  const created = unixNow()
  const object = kind === 'chat' ? 'chat.completion' : 'text_completion'
  const usage = (n: number): Json => ({
    prompt_tokens: promptCount,
    completion_tokens: n,
    total_tokens: promptCount + n,
  })
  const head = (obj: string): Frame => ({
    id,
    object: obj,
    created,
    model,
    system_fingerprint: 'fp_ollama',
  })
  const choice = (text: string, finish: string | null, stream: boolean): Json => {
    if (kind === 'text') return { text, index: 0, finish_reason: finish }
    const message = { role: 'assistant', content: text }
    return stream
      ? { index: 0, delta: message, finish_reason: finish }
      : { index: 0, message, finish_reason: finish }
  }
  if (b.stream !== true) {
    return s.wait(c, pace(s, count)).then((here) => {
      if (!here) return
      const choices = [choice(fullText(s, count), reason, false)]
      sendJson(c, 200, { ...head(object), choices, usage: usage(count) })
    })
  }
  const chunkObject = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion'
  const chunk = (text: string, finish: string | null): Frame => ({
    ...head(chunkObject),
    choices: [choice(text, finish, true)],
  })
  return s.stream(c, {
    sse: true,
    count,
    frame: (i) => chunk(s.token(i), null),
    tail: (sent) => {
      const out = [chunk('', reason)]
      const includeUsage = obj(b.stream_options).include_usage === true
      if (includeUsage) out.push({ ...head(chunkObject), choices: [], usage: usage(sent) })
      return out
    },
  })
}

const v1Chat: Handler = async (s, c) => {
  const b = jsonBody(c, openaiError)
  if (!b) return
  const messages = Array.isArray(b.messages) ? (b.messages as unknown[]) : []
  if (messages.length === 0) return openaiError(c, 400, "[] is too short - 'messages'")
  if (!inferenceModel(s, c, str(b.model), 'chat', openaiError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  const prompt = messages.map((m) => textOf(obj(m).content)).join(' ')
  await openaiText(s, c, b, words(prompt), 'chat')
}

const v1Completions: Handler = async (s, c) => {
  const b = jsonBody(c, openaiError)
  if (!b) return
  if (b.prompt !== undefined && typeof b.prompt !== 'string') {
    return openaiError(c, 400, 'prompt must be a string')
  }
  if (!inferenceModel(s, c, str(b.model), 'generate', openaiError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  await openaiText(s, c, b, words(str(b.prompt)), 'text')
}

const v1Embeddings: Handler = async (s, c) => {
  const b = jsonBody(c, openaiError)
  if (!b) return
  const format = str(b.encoding_format).toLowerCase()
  if (b.encoding_format !== undefined && format !== 'float' && format !== 'base64') {
    const msg = `Invalid value for 'encoding_format' = ${format}. Supported values: ['float', 'base64'].`
    return openaiError(c, 400, msg)
  }
  const inputs = inputsOf(b.input)
  if (!inputs || inputs.length === 0) return openaiError(c, 400, 'invalid input')
  const model = str(b.model)
  if (!inferenceModel(s, c, model, 'embed', openaiError)) return
  if (!(await s.wait(c, s.options.firstByteDelayMs))) return
  const encode = (v: number[]): number[] | string =>
    format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v
  const data = inputs.map((t, index) => ({
    object: 'embedding',
    embedding: encode(vector(t)),
    index,
  }))
  const n = inputs.reduce((sum, t) => sum + words(t), 0)
  sendJson(c, 200, { object: 'list', data, model, usage: { prompt_tokens: n, total_tokens: n } })
}

const openaiModel = (name: string): Json => ({
  id: name,
  object: 'model',
  created: MODIFIED_UNIX_S,
  owned_by: ownerOf(name),
})

const v1Models: Handler = (s, c) =>
  sendJson(c, 200, { object: 'list', data: s.options.models.map((m) => openaiModel(m.name)) })

function v1Model(s: FakeOllamaServer, c: Ctx, name: string): void {
  if (!s.findModel(name)) return openaiError(c, 404, `model '${name}' not found`)
  sendJson(c, 200, openaiModel(name))
}

const ROUTES = new Map<string, Handler>([
  ['GET /', root],
  ['GET /api/version', version],
  ['GET /api/tags', tags],
  ['GET /api/ps', ps],
  ['POST /api/show', show],
  ['POST /api/generate', generate],
  ['POST /api/chat', chat],
  ['POST /api/embed', embed],
  ['POST /api/embeddings', embeddings],
  ['POST /api/pull', pull],
  ['POST /api/push', push],
  ['POST /api/create', create],
  ['POST /api/copy', copy],
  ['DELETE /api/delete', remove],
  ['POST /v1/chat/completions', v1Chat],
  ['POST /v1/completions', v1Completions],
  ['POST /v1/embeddings', v1Embeddings],
  ['GET /v1/models', v1Models],
])
