// The stand-in's HTTP server: recording requests, Ollama's guards and router, faults, and the
// pacing of streams. Handlers live in native.ts, manage.ts, openai.ts, responses.ts, messages.ts.
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import type {
  Ctx,
  Fault,
  FakeModel,
  FakeOllama,
  FakeOllamaOptions,
  FakeState,
  RecordedRequest,
  StreamSpec,
} from './types.js'
import { applyFault, takeFault, type ArmedFault } from './faults.js'
import { encodeFrame, streamEnd } from './encode.js'
import { allowedOrigins, guard } from './guards.js'
import { answerUnrouted, find } from './router.js'
import { modelKey } from './names.js'
import { decompressBody } from './zstd.js'
import { anthropicError } from './messages.js'
import { cutConnection, ollamaError, openaiError } from './respond.js'
import {
  BUSY_MESSAGE,
  CLOSE_GRACE_MS,
  DEFAULT_MODELS,
  HEADERS_TIMEOUT_MS,
  INFERENCE_PATHS,
  KEEP_ALIVE_TIMEOUT_MS,
  WAIT_FOR_DEFAULT_MS,
  drained,
  now,
  parseBody,
  readBody,
  sleep,
} from './util.js'

class FakeOllamaServer implements FakeOllama, FakeState {
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
  private readonly armed: { current: ArmedFault | null } = { current: null }
  private readonly origins: string[]
  private active = 0
  private closing = false
  private killing = false
  private onIdle: (() => void) | null = null
  private idIndex = 0

  constructor(readonly options: Required<FakeOllamaOptions>) {
    this.origins = allowedOrigins(options.origins)
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
    this.armed.current = f
      ? { fault: f, remaining: opts.times ?? Infinity, paths: opts.paths }
      : null
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
    this.armed.current = null
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

  /** types/model/name.go: default host, namespace and tag, compared ignoring case. */
  findModel(name: string): FakeModel | undefined {
    const wanted = modelKey(name)
    return this.options.models.find((m) => modelKey(m.name) === wanted)
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

  /** Write a whole streamed response, pacing frames; honours break- and error-mid-stream. */
  async stream(c: Ctx, spec: StreamSpec): Promise<void> {
    if (c.gone) return
    const { res } = c
    res.writeHead(200, {
      'Content-Type': spec.sse ? 'text/event-stream' : 'application/x-ndjson',
      ...(spec.sse ? { 'Cache-Control': 'no-cache' } : {}),
    })
    const limit = c.breakAfter ?? c.errorAfter?.frames ?? Infinity
    const stamp = this.options.stampFrames
    let sent = 0
    while (sent < spec.count && sent < limit) {
      if (sent > 0) await sleep(this.options.frameIntervalMs)
      if (c.gone) return
      if (!res.write(encodeFrame(spec.frame(sent), spec, stamp))) await drained(res)
      sent++
    }
    if (c.gone) return
    if (sent >= limit && c.errorAfter) {
      // server/routes.go streamResponse: once bytes went out, an error is one more NDJSON line.
      return void res.end(encodeFrame({ error: c.errorAfter.message }, spec, false))
    }
    if (sent >= limit) return cutConnection(c)
    const tail = spec.tail(sent).map((f) => encodeFrame(f, spec, stamp))
    res.end(tail.join('') + streamEnd(spec))
  }

  private notify(rec: RecordedRequest): void {
    for (const waiter of this.waiters) waiter(rec)
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
      params: {},
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
    if (!path.startsWith('/api/blobs/')) rec.rawBody = raw
    this.notify(rec)
    const fault = takeFault(this.armed, path)
    if (fault && applyFault(c, fault, (h) => this.hung.add(h))) return
    await this.dispatch(c)
  }

  /** routes.go GenerateRoutes: router, then the CORS and Host guards, then the handler. */
  private async dispatch(c: Ctx): Promise<void> {
    const { path } = c
    const found = find(c.rec.method, path)
    if (found.kind === 'redirect') return answerUnrouted(c, found)
    if (guard(c, this.origins, this.loopback())) return
    if (found.kind !== 'handler') return answerUnrouted(c, found)
    c.params = found.params
    const err =
      path === '/v1/messages' ? anthropicError : path.startsWith('/v1/') ? openaiError : ollamaError
    if (!decompressBody(c)) return
    if (!INFERENCE_PATHS.has(path)) return found.handler(this, c)
    if (this.inference >= this.options.maxPending) {
      // server/sched.go ErrMaxQueue, answered 503 by routes.go handleScheduleError.
      this.busyAnswers++
      return err(c, 503, BUSY_MESSAGE)
    }
    this.inference++
    try {
      await found.handler(this, c)
    } finally {
      this.inference--
    }
  }

  private loopback(): boolean {
    const h = this.options.host
    return h === 'localhost' || h.startsWith('127.') || h === '::1'
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
}

/** Starts a fake Ollama listening on `host:port` (default 127.0.0.1, any free port). */
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
    origins: [...(opts.origins ?? [])],
  }
  const fake = new FakeOllamaServer(options)
  await fake.listen()
  return fake
}
