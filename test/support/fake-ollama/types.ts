// The stand-in's public types and the per-request context its handlers share.
import type http from 'node:http'

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
  /** Like OLLAMA_ORIGINS: origins allowed on top of Ollama's defaults (default: none). */
  origins?: string[]
}

export interface RecordedRequest {
  method: string
  path: string
  url: string
  headers: http.IncomingHttpHeaders
  /** Parsed JSON, the raw Buffer (blobs, or a body that is not JSON), or undefined when empty. */
  body: unknown
  /** The body's bytes as they arrived (not kept for blobs: `body` has them). */
  rawBody?: Buffer
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
  /** Ollama's mid-stream failure (server/routes.go streamResponse): `{"error":...}` then the end. */
  | { kind: 'error-mid-stream'; afterFrames: number; message?: string }
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

export type Json = Record<string, unknown>
export type Frame = Record<string, unknown>
export type ErrorFn = (c: Ctx, status: number, message: string) => void

export interface Ctx {
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
  /** error-mid-stream: frames to send before the error frame, and its text */
  errorAfter?: { frames: number; message: string }
  /** route parameters (`:digest`, `:model`) */
  params: Record<string, string>
}

export interface StreamSpec {
  sse: boolean
  /** SSE with `event: <type>` lines (Responses, Messages): the frame's `type` names it. */
  named?: boolean
  /** End an SSE stream with `data: [DONE]` (chat/completions, completions; default true). */
  doneMarker?: boolean
  count: number
  frame: (i: number) => Frame
  tail: (sent: number) => Frame[]
}

/** What handlers use of the server (server.ts implements it). */
export interface FakeState {
  readonly options: Required<FakeOllamaOptions>
  readonly blobs: Set<string>
  findModel(name: string): FakeModel | undefined
  nextId(): number
  token(i: number): string
  wait(c: Ctx, ms: number): Promise<boolean>
  stream(c: Ctx, spec: StreamSpec): Promise<void>
}

export type Handler = (s: FakeState, c: Ctx) => void | Promise<void>
