// The relay's callbacks for one attempt at one backend (ProxyCallbacks, forward.ts): health
// marks for the lease, time to first byte, the usage tap and the stream-usage filter, and the
// owner's kick while the backend has the request. dispatch.ts makes one per attempt and reads
// back what it learnt (Work, the request's tokens).
import { CorralError, type Dialect } from '../errors.js'
import { errorFrame, writeError } from './error-answers.js'
import { HOLD, type ProxyCallbacks, type ProxyExchange } from './forward.js'
import type { Attached } from '../owner/in-flight.js'
import { createUsageTap, type UsageTap } from '../stats/usage-tap.js'
import { createUsageChunkFilter, type BodyFilter } from './stream-usage.js'
import { isOllamaBusy } from './busy.js'
import type { Exchange } from './exchange.js'
import type { GatewayHost } from './host.js'
import type { Lease } from './admission.js'

/** How far the backend got with a request: what its token charge is settled to. */
export interface Work {
  /** The request went to a backend (it may be reading the prompt, even with no answer yet). */
  sent: boolean
  /** The backend's status line, once it came. */
  status: number | null
  /** Read the usage off the answer even with the stats off: the key has a token limit. */
  tally: boolean
}

const BUSY_STATUS = 503

/** The relay's callbacks for one attempt: health marks, time to first byte, the usage tap. */
export class RelayState implements ProxyCallbacks, Attached {
  readonly dialect: Dialect
  onChunk: ((buf: Buffer, start: number, end: number) => void) | undefined = undefined
  filter: BodyFilter | undefined = undefined
  /** The answer is a stream (NDJSON or SSE), as the relay decided from its Content-Type. */
  streaming = false
  /** The exchange with the backend, once sent (a kick aborts it). */
  upstream: ProxyExchange | null = null
  private tap: UsageTap | null = null

  constructor(
    private readonly host: GatewayHost,
    readonly ex: Exchange,
    private readonly lease: Lease,
    readonly extraHeaders: Record<string, string>,
    /** A busy answer may be refused (tried again elsewhere) rather than relayed. */
    private readonly mayRefuseBusy: boolean,
    private readonly work: Work,
    private readonly hideStreamUsage: boolean,
  ) {
    this.dialect = ex.state.dialect
  }

  onStatus(statusCode: number, streaming: boolean): boolean | typeof HOLD {
    const { host, ex } = this
    this.streaming = streaming
    this.work.status = statusCode
    // A 503 is judged on its body (onHeld): only Ollama's own busy answer means full.
    if (statusCode === BUSY_STATUS) return HOLD
    this.lease.answered(statusCode)
    if (this.hideStreamUsage && streaming) this.filter = createUsageChunkFilter()
    const counted = host.stats.enabled || this.work.tally
    if (statusCode < 400 && counted && ex.state.route?.usage === true) {
      const tap = createUsageTap(this.dialect === 'ollama' ? 'ollama' : 'openai', { streaming })
      this.tap = tap
      this.onChunk = (buf, start, end) => tap.push(buf, start, end)
    }
    return true
  }

  /**
   * The body of a 503: Ollama's "server busy" (OLLAMA_MAX_QUEUE; ollama server/sched.go
   * ErrMaxQueue, answered by server/routes.go handleScheduleError, in any dialect) marks the
   * backend full and is tried elsewhere; any other 503 (a cloud model relaying ollama.com's
   * status, a proxy in front) is the client's answer, relayed as it is.
   */
  onHeld(body: Buffer | null): boolean {
    const busy = body !== null && isOllamaBusy(body)
    // The lease reads 503 as "full"; another 503 says nothing against the backend itself.
    this.lease.answered(busy ? BUSY_STATUS : 200)
    if (busy && this.mayRefuseBusy) return false
    return true
  }

  onFirstByte(): void {
    const state = this.ex.state
    state.ttfbMs = this.host.now() - state.startedAt
  }

  /** Content frames relayed so far (the live tokens/s). */
  chunks(): number {
    return this.tap?.chunks() ?? 0
  }

  /**
   * The owner kicked the request while the backend has it: abort it the way a leaving
   * client does (frees the GPU), then end the client's answer with the kick's error — a
   * JSON error before the head, a last error frame on a stream, a cut connection on a
   * half-sent body.
   */
  kick(): void {
    const upstream = this.upstream
    if (upstream === null) return
    const { res } = this.ex
    upstream.abort()
    const err = new CorralError('CORRAL_ERR_KICKED')
    if (!res.headersSent) return writeError(res, this.dialect, err)
    if (res.writableEnded || res.destroyed) return
    if (this.streaming && upstream.atFrameBoundary) res.end(errorFrame(this.dialect, err))
    else res.destroy()
  }

  /** The relay is over (however it ended): what the tap read becomes the record's tokens. */
  end(): void {
    const state = this.ex.state
    state.ttfbMs ??= this.host.now() - state.startedAt
    if (this.tap !== null) {
      const usage = this.tap.end()
      state.promptTokens = usage.promptTokens
      state.completionTokens = usage.completionTokens
    }
  }
}
