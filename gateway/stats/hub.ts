// Where a finished request goes: the SQLite store (batched, off the request
// path), the live feed, the Prometheus metrics and the access log. A store
// that cannot be opened costs the history, never the gateway: it is tried
// again every half minute, and the records of the meantime are kept (bounded)
// and written once it opens.
import type { Config } from '../config/schema.js'
import type { dataFiles } from '../config/paths.js'
import type { Logger } from '../util/logger.js'
import type { RequestRecord } from './record.js'
import { StatsStore, type KeyUsage } from './store.js'
import { LiveStats } from './live.js'
import { GatewayMetrics } from './metrics.js'
import { createAccessLog, type AccessLog } from './access-log.js'

const UNRECORDED_ENDPOINTS = new Set(['/metrics', '/connect'])
/** Access-log lines are handed to the log this often: a few disk writes a second, not one a request. */
const ACCESS_LOG_BATCH_MS = 100
/** How often a store that could not be opened is tried again. */
const REOPEN_INTERVAL_MS = 30_000
/** Records kept while the store cannot be opened; later ones are counted and dropped. */
const MAX_HELD_RECORDS = 50_000

/** The store logs pino-style (object, message); ours takes (message, object). */
function statsLogger(logger: Logger) {
  return {
    info: (obj: object, msg: string) => logger.info(msg, obj as Record<string, unknown>),
    warn: (obj: object, msg: string) => logger.warn(msg, obj as Record<string, unknown>),
    error: (obj: object, msg: string) => logger.error(msg, obj as Record<string, unknown>),
  }
}

export interface StatsHubOptions {
  /** How often a store that could not be opened is tried again (tests). */
  reopenIntervalMs?: number
}

export class StatsHub {
  readonly live: LiveStats
  readonly metrics: GatewayMetrics
  private accessLog: AccessLog
  private logBatch: RequestRecord[] = []
  private logTimer: NodeJS.Timeout | null = null
  private config: Config
  private current: StatsStore | null = null
  /** Records that came while the store could not be opened. */
  private held: RequestRecord[] = []
  private droppedWhileClosed = 0
  private reopenTimer: NodeJS.Timeout | null = null
  private closed = false

  private constructor(
    private readonly files: ReturnType<typeof dataFiles>,
    config: Config,
    private readonly logger: Logger,
    private readonly now: () => number,
    private readonly reopenIntervalMs: number,
  ) {
    this.config = config
    this.live = new LiveStats({ now })
    this.metrics = new GatewayMetrics({ namespace: config.metrics.namespace })
    this.accessLog = this.openAccessLog(config)
  }

  static open(
    files: ReturnType<typeof dataFiles>,
    config: Config,
    logger: Logger,
    now: () => number,
    opts: StatsHubOptions = {},
  ): StatsHub {
    const hub = new StatsHub(
      files,
      config,
      logger,
      now,
      opts.reopenIntervalMs ?? REOPEN_INTERVAL_MS,
    )
    if (!hub.tryOpen()) hub.scheduleReopen()
    return hub
  }

  /** The SQLite store; null while it cannot be opened (history is then unavailable). */
  get store(): StatsStore | null {
    return this.current
  }

  private tryOpen(): boolean {
    try {
      // Given the retention settings, the store prunes on open and hourly by itself. It writes
      // on a thread of its own: the event loop only queues records and hands batches over.
      this.current = StatsStore.openOrRecover(this.files.db, {
        now: this.now,
        logger: statsLogger(this.logger),
        retentionDays: this.config.stats.retentionDays,
        rollupRetentionDays: this.config.stats.rollupRetentionDays,
      })
    } catch (err) {
      if (this.reopenTimer === null && this.held.length === 0) {
        this.logger.error(
          `Request stats are not being saved: ${this.files.db} cannot be used (${(err as Error).message}); trying again every ${Math.round(this.reopenIntervalMs / 1000)} s`,
        )
      }
      return false
    }
    const held = this.held
    this.held = []
    for (const record of held) this.current.record(record)
    if (held.length > 0 || this.droppedWhileClosed > 0) {
      this.logger.info(
        `Request stats are saved again: ${held.length} records kept meanwhile were written` +
          (this.droppedWhileClosed > 0
            ? `, ${this.droppedWhileClosed} past that were dropped`
            : ''),
      )
    }
    this.droppedWhileClosed = 0
    return true
  }

  private scheduleReopen(): void {
    if (this.closed || this.reopenTimer !== null) return
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = null
      if (!this.closed && !this.tryOpen()) this.scheduleReopen()
    }, this.reopenIntervalMs)
    this.reopenTimer.unref()
  }

  private hold(record: RequestRecord): void {
    if (this.held.length >= MAX_HELD_RECORDS) this.droppedWhileClosed++
    else this.held.push(record)
  }

  /** Whether responses are parsed for token counts. */
  get enabled(): boolean {
    return this.config.stats.enabled
  }

  configure(config: Config): void {
    const prev = this.config
    this.config = config
    if (prev.metrics.namespace !== config.metrics.namespace) {
      this.metrics.setNamespace(config.metrics.namespace)
    }
    if (JSON.stringify(prev.stats) !== JSON.stringify(config.stats)) this.prune()
    if (JSON.stringify(prev.logging) !== JSON.stringify(config.logging)) {
      this.flushLog()
      const old = this.accessLog
      this.accessLog = this.openAccessLog(config)
      void old.close()
    }
  }

  requestStarted(): void {
    this.live.onRequestStart()
  }

  /** Called once per request when it ended, however it ended. O(1), no I/O here. */
  record(record: RequestRecord, endpoint: string): void {
    this.metrics.observe(record, endpoint)
    // Scrapes and onboarding page views are not usage: Prometheus counts them, the history does not.
    if (UNRECORDED_ENDPOINTS.has(endpoint)) return this.live.onRequestEnd(record, false)
    if (this.config.logging.enabled) this.logLater(record)
    this.live.onRequestEnd(record)
    if (!this.config.stats.enabled) return
    if (this.current !== null) this.current.record(record)
    else this.hold(record)
  }

  private logLater(record: RequestRecord): void {
    this.logBatch.push(record)
    if (this.logTimer !== null) return
    this.logTimer = setTimeout(() => this.flushLog(), ACCESS_LOG_BATCH_MS)
    this.logTimer.unref()
  }

  private flushLog(): void {
    if (this.logTimer !== null) clearTimeout(this.logTimer)
    this.logTimer = null
    const batch = this.logBatch
    this.logBatch = []
    for (const record of batch) this.accessLog.write(record)
  }

  usageByKey(since: number): Map<string, KeyUsage> {
    return this.store?.usageByKey(since) ?? new Map()
  }

  private prune(): void {
    try {
      this.store?.prune(this.config.stats)
    } catch (err) {
      this.logger.warn(`Pruning old stats failed: ${(err as Error).message}`)
    }
  }

  private openAccessLog(config: Config): AccessLog {
    return createAccessLog({
      dir: this.files.logs,
      enabled: config.logging.enabled,
      maxSizeBytes: config.logging.maxSizeBytes,
      maxFiles: config.logging.maxFiles,
    })
  }

  async close(): Promise<void> {
    this.closed = true
    if (this.reopenTimer !== null) clearTimeout(this.reopenTimer)
    this.reopenTimer = null
    try {
      this.current?.close()
    } catch (err) {
      this.logger.warn(`Closing the stats store failed: ${(err as Error).message}`)
    }
    this.flushLog()
    await this.accessLog.close()
  }
}
