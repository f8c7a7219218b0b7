// What the request path needs of the process it runs in. A Corral (the only gateway
// process, or a cluster's primary) is one; a cluster worker (workers/worker.ts) is another,
// whose admission and stats go to the primary over IPC. The proxy reads nothing else.
import type { Config } from '../config/schema.js'
import type { Snapshot } from '../runtime.js'
import type { Logger } from '../util/logger.js'
import type { RequestRecord } from '../stats/record.js'
import type { TrackedState } from '../owner/in-flight.js'
import type { UpstreamPool } from './upstream-pool.js'
import type { Admission } from './admission.js'
import type { Exchange } from './exchange.js'
import type { MergeKind } from './routes.js'

/** Where the request path's records go: the stats hub, or the primary. */
export interface StatsSink {
  /** Whether answers are read for token counts. */
  readonly enabled: boolean
  requestStarted(): void
  record(record: RequestRecord, endpoint: string): void
}

export interface GatewayHost {
  readonly snapshot: Snapshot
  readonly config: Config
  readonly now: () => number
  readonly logger: Logger
  /** The relay's own keep-alive connections to the backends. */
  readonly upstream: UpstreamPool
  readonly stats: StatsSink
  /** The owner's pause check (pauses live in config: every process checks its own). */
  readonly owner: { admit(state: TrackedState): void }
  readonly admission: Admission
  /** /api/tags, /api/ps, /v1/models over the whole pool. */
  serveMerged(ex: Exchange, kind: MergeKind): Promise<void>
}
