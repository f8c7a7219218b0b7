// From "this request may go" to "the answer has been relayed": admission (the key's token
// and concurrency limits, the backend choice, the fair queue: admission.ts), a retry on the
// next backend when one could not be reached or answered busy, and the stream relay (its
// callbacks for each attempt: relay-state.ts).
import type { ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { Limits } from '../config/schema.js'
import { isLoopback } from '../util/net.js'
import { CorralError } from '../errors.js'
import { isNotRunning, ollamaDownError } from '../backends/down.js'
import { classifyUpstreamError, proxyUpstream, RefusedAnswer } from './forward.js'
import type { RouteDef } from './routes.js'
import { finishRecord } from './record.js'
import type { Exchange } from './exchange.js'
import type { GatewayHost } from './host.js'
import type { Lease } from './admission.js'
import { writeError } from './error-answers.js'
import { RelayState, type Work } from './relay-state.js'

export interface DispatchPlan {
  route: RouteDef
  /** Upstream path with query. */
  path: string
  body: Buffer | Readable | null
  model: string | null
  streaming: boolean
  limits: Limits
  /** The prompt's tokens as estimated from its text (limits/prompt-estimate.ts). */
  promptEstimate: number
  /** The gateway asked for a stream's usage chunk the client did not ask for (stream-usage.ts). */
  hideStreamUsage?: boolean
}

/** A backend may be asked for explicitly (model management on a multi-backend setup). */
const BACKEND_HEADER = 'x-corral-backend'
/** Busy answers (503) one request is moved on from; past this the client sees the 503. */
const MAX_BUSY_ANSWERS = 8

export async function dispatch(host: GatewayHost, ex: Exchange, plan: DispatchPlan): Promise<void> {
  const state = ex.state
  const wanted = ex.headers[BACKEND_HEADER]
  const lease = await host.admission.admit({
    state,
    userAgent: ex.headers['user-agent'] ?? null,
    tokensPerMinute: plan.limits.tokensPerMinute,
    promptEstimate: plan.promptEstimate,
    concurrency: plan.limits.concurrency,
    routeKind: plan.route.kind,
    routePath: plan.route.path,
    backendWanted: typeof wanted === 'string' ? wanted : null,
    priority: state.snapshot.config.queue.localPriority && isLoopback(ex.req.socket?.remoteAddress),
  })
  const res = ex.res
  const client = new ClientWatch(res)
  const extraHeaders = ex.takeOver()
  const work: Work = { sent: false, status: null, tally: plan.limits.tokensPerMinute !== null }
  try {
    state.outcome = await forward(host, ex, extraHeaders, plan, client, lease, work)
    if (lease.entry.kicked) state.outcome = 'refused'
  } catch (err) {
    const e = toCorralError(err)
    state.outcome = client.gone ? 'client_aborted' : errorOutcome(e)
    if (!client.gone) writeError(res, state.dialect, e)
  } finally {
    client.detach()
    lease.end(tokensUsed(state, plan.promptEstimate, work, client.gone || lease.entry.kicked))
    finishRecord(host, ex, res.statusCode)
  }
}

/**
 * Whether the client is still there. The abort signal the fair queue needs is made only
 * for a request that has to wait: most never do, and an AbortController costs more than
 * the rest of the bookkeeping. While the backend answers, proxyUpstream() watches itself.
 */
class ClientWatch {
  gone = false
  private controller: AbortController | null = null
  private readonly onClose = () => {
    if (this.res.writableFinished) return
    this.gone = true
    this.controller?.abort()
  }

  constructor(private readonly res: ServerResponse) {
    res.once('close', this.onClose)
  }

  get signal(): AbortSignal {
    this.controller ??= new AbortController()
    if (this.gone) this.controller.abort()
    return this.controller.signal
  }

  detach(): void {
    this.res.off('close', this.onClose)
  }
}

type Outcome = 'done' | 'client_aborted' | 'backend_error'

/**
 * The tokens a request is charged in the end. The backend's prompt count when it gave one;
 * else the estimate, for a prompt a backend took (it answered, not with an error, or had the
 * request when the client left or was kicked); plus the output: the backend's count, or the
 * content frames relayed (the usage tap's estimate when a stream ends early).
 */
function tokensUsed(
  state: { promptTokens: number | null; completionTokens: number | null },
  estimate: number,
  work: Work,
  left: boolean,
): number {
  const took = work.status !== null ? work.status < 400 : work.sent && left
  return (state.promptTokens ?? (took ? estimate : 0)) + (state.completionTokens ?? 0)
}

async function forward(
  host: GatewayHost,
  ex: Exchange,
  extraHeaders: Record<string, string>,
  plan: DispatchPlan,
  client: ClientWatch,
  lease: Lease,
  work: Work,
): Promise<Outcome> {
  const state = ex.state
  const entry = lease.entry
  const replayable = plan.body === null || Buffer.isBuffer(plan.body)
  const config = state.snapshot.config
  let busyAnswers = 0
  let afterBusy = false

  for (;;) {
    const grant = await lease.take(client, afterBusy)
    state.queuedMs += grant.waitedMs
    state.queued ||= grant.waitedMs > 0
    if (client.gone || entry.kicked) {
      lease.release()
      if (entry.kicked) throw new CorralError('CORRAL_ERR_KICKED')
      return 'client_aborted'
    }
    state.backend = grant.name
    const mayRefuse = replayable && busyAnswers < MAX_BUSY_ANSWERS
    const relay = new RelayState(
      host,
      ex,
      lease,
      extraHeaders,
      mayRefuse,
      work,
      plan.hideStreamUsage === true,
    )
    work.sent = true
    try {
      const upstream = proxyUpstream(
        host.upstream,
        { origin: grant.origin, key: grant.key },
        {
          method: ex.method,
          path: plan.path,
          headers: ex.headers,
          stripHeaders: state.snapshot.keyHeaders,
          forwardedFor: state.clientIp,
          body: plan.body,
          // A request that could stream but asked for one answer (ollama-js and ollama-python
          // default to stream:false) gets nothing from Ollama until the work is done, with no
          // deadline on Ollama's side: no first-byte deadline here either while the backend's
          // connection stays alive (TCP keep-alive finds a dead one).
          headersTimeoutMs:
            plan.route.streams === true && !plan.streaming
              ? 0
              : config.server.upstreamHeadersTimeoutMs,
          idleTimeoutMs: config.server.upstreamIdleTimeoutMs,
        },
        ex.res,
        relay,
      )
      relay.upstream = upstream
      entry.attached = relay
      const outcome = await upstream.done
      relay.end()
      return outcome
    } catch (err) {
      // Only a failure before the backend's response head lands here: nothing was written.
      if (client.gone) return 'client_aborted'
      if (entry.kicked) throw new CorralError('CORRAL_ERR_KICKED')
      if (err instanceof RefusedAnswer) {
        // Busy, not broken: it was marked full; the next take waits where a slot frees up.
        busyAnswers++
        afterBusy = true
        continue
      }
      afterBusy = false
      const { retryable } = classifyUpstreamError(err)
      const code = (err as { code?: string }).code
      lease.failed(
        (err as Error).message,
        code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT',
      )
      if (retryable && replayable && grant.candidates > 1) continue
      throw err
    } finally {
      entry.attached = null
      lease.release()
    }
  }
}

function toCorralError(err: unknown): CorralError {
  if (err instanceof CorralError) return err
  // Nothing listens where the backend should be: the owner's Ollama is off.
  if (isNotRunning(err)) return ollamaDownError(err)
  const { code } = classifyUpstreamError(err)
  return new CorralError(code, { cause: err })
}

function errorOutcome(err: CorralError): 'limited' | 'backend_error' | 'refused' {
  if (err.status === 429 || err.code.startsWith('CORRAL_ERR_QUEUE')) return 'limited'
  return err.status < 500 ? 'refused' : 'backend_error'
}
