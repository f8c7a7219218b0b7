// What a cluster's primary and its workers say to each other (README, "Several cores").
// Messages go in batches, one per event-loop turn (channel.ts), as JSON (Node's IPC
// 'json' serialization: half the CPU of its structured clone for these small objects);
// the few bodies that cross (forwarded admin requests) go as base64.
import type { Config } from '../config/schema.js'
import type { ErrorCode } from '../errors.js'
import type { RateDecision, RateLimitPolicy } from '../limits/rate-limit.js'
import type { Grant } from '../proxy/admission.js'
import type { RouteKind } from '../proxy/routes.js'
import type { Collected, MergeKind } from '../proxy/merge.js'
import type { RequestRecord } from '../stats/record.js'
import type { TlsPair } from '../app.js'
import type { DeviceAsk } from '../device-keys/gate.js'

/** A CorralError on the wire. */
export interface WireError {
  code: ErrorCode
  message: string
  headers: Record<string, string>
}

/** An admission request on the wire (proxy/admission.ts AdmitRequest, the state flattened). */
export interface WireAdmit {
  keyId: string
  keyName: string
  clientIp: string
  startedAt: number
  model: string | null
  userAgent: string | null
  tokensPerMinute: number | null
  promptEstimate: number
  concurrency: number | null
  routeKind: RouteKind
  routePath: string
  backendWanted: string | null
  priority: boolean
}

export interface ListenRequest {
  host: string
  port: number
  tls: TlsPair | null
  plainPort: number | null
}

export type ToWorker =
  | { t: 'config'; config: Config }
  | { t: 'listen'; listen: ListenRequest }
  | { t: 'certificate'; tls: TlsPair }
  | { t: 'close'; graceMs: number }
  | { t: 'admitted'; id: number }
  | { t: 'refused'; id: number; error: WireError }
  | { t: 'grant'; id: number; grant: Grant }
  | { t: 'take-failed'; id: number; error: WireError }
  | { t: 'kick'; id: number }
  | { t: 'rated'; id: number; decision: RateDecision | null }
  | { t: 'bound'; id: number }
  /** The pool's model lists for a worker to merge and answer (or why there are none). */
  | { t: 'lists'; id: number; collected: Collected | null; error: WireError | null }
  | {
      t: 'answer'
      id: number
      status: number
      headers: Record<string, string | string[]>
      /** base64 */
      body: string
    }

export type ToPrimary =
  | { t: 'ready' }
  | { t: 'listening'; port: number; plainPort: number | null }
  | { t: 'listen-failed'; message: string; code: string | null }
  | { t: 'closed' }
  | { t: 'admit'; id: number; req: WireAdmit }
  | { t: 'take'; id: number; afterBusy: boolean }
  | { t: 'cancel'; id: number }
  | { t: 'answered'; id: number; status: number; streaming: boolean }
  | { t: 'failed'; id: number; message: string; refused: boolean }
  | { t: 'release'; id: number }
  | { t: 'end'; id: number; tokens: number | null }
  | { t: 'progress'; chunks: Array<[id: number, chunks: number]> }
  | { t: 'started'; n: number }
  | { t: 'record'; record: RequestRecord; endpoint: string }
  /** A device nobody enrolled signed a request (device-keys/gate.ts): the primary keeps the list. */
  | { t: 'device-ask'; ask: DeviceAsk }
  | { t: 'rate'; id: number; policy: RateLimitPolicy }
  | { t: 'bind'; id: number; keyId: string; cidr: string }
  | { t: 'lists'; id: number; kind: MergeKind }
  | {
      t: 'forward'
      id: number
      method: string
      url: string
      headers: Record<string, string | string[] | undefined>
      /** base64; null without a body */
      body: string | null
      remoteAddress: string
    }

/** A question a worker asks and waits for (WorkerHost.call), before its id is given. */
export type Call =
  Extract<ToPrimary, { t: 'rate' | 'bind' | 'lists' | 'forward' }> extends infer M
    ? M extends { id: number }
      ? Omit<M, 'id'>
      : never
    : never
