// Active health checks: `GET /api/version` on every backend each interval, and
// the model inventory (`/api/tags`, `/api/ps`) refreshed with it.
import { EventEmitter } from 'node:events'
import type { Dispatcher } from 'undici'
import { normalizeModel, type BackendPool, type BackendState, type HealthState } from './pool.js'
import type { Logger } from '../util/logger.js'
import { silentLogger } from '../util/logger.js'
import { downMessage, upMessage } from './down.js'

/** Failed checks in a row before a backend that still accepts connections is taken out. */
const FAILED_CHECKS_TO_DOWN = 2

export interface HealthSettings {
  intervalMs: number
  timeoutMs: number
  path: string
}

export interface HealthChange {
  backend: BackendState
  from: HealthState
  to: HealthState
}

export class HealthChecker extends EventEmitter<{ change: [HealthChange]; checked: [] }> {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null
  private queued: Promise<void> | null = null
  private settings: HealthSettings

  constructor(
    private readonly pool: BackendPool,
    private readonly agent: Dispatcher,
    settings: HealthSettings,
    private readonly logger: Logger = silentLogger,
    private readonly now: () => number = Date.now,
  ) {
    super()
    this.settings = settings
  }

  configure(settings: HealthSettings): void {
    const restart = this.timer !== null && settings.intervalMs !== this.settings.intervalMs
    this.settings = settings
    if (restart) {
      this.stop()
      this.start()
    }
  }

  start(): void {
    if (this.timer) return
    void this.checkNow()
    this.timer = setInterval(() => void this.checkNow(), this.settings.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  /**
   * Check every backend now. A caller always gets a round that started after
   * its call (a round already under way may predate what it wants to see);
   * callers that arrive while one is queued share it.
   */
  checkNow(): Promise<void> {
    if (this.running) {
      this.queued ??= this.running.then(() => {
        this.queued = null
        return this.checkNow()
      })
      return this.queued
    }
    this.running = Promise.all(this.pool.list().map((b) => this.checkOne(b)))
      .then(() => {
        this.emit('checked')
      })
      .finally(() => {
        this.running = null
      })
    return this.running
  }

  private async checkOne(b: BackendState): Promise<void> {
    if (!b.record.enabled) return
    const from = b.state
    const started = this.now()
    try {
      const version = (await this.getJson(b, this.settings.path)) as { version?: unknown } | null
      b.latencyMs = this.now() - started
      b.version = typeof version?.version === 'string' ? version.version : b.version
      await this.refreshInventory(b)
      b.failedChecks = 0
      this.pool.markSuccess(b)
    } catch (err) {
      // Node's AggregateError (localhost tried as ::1 and 127.0.0.1) has no message, only a code.
      b.lastError = (err as Error).message || String((err as { code?: unknown }).code ?? 'error')
      b.latencyMs = null
      b.failedChecks += 1
      // Nothing listening is certain at once; a slow answer may be load, so it takes two in a row.
      const code = (err as { code?: string }).code
      if (code === 'ECONNREFUSED' || b.failedChecks >= FAILED_CHECKS_TO_DOWN) {
        b.state = 'down'
        b.openUntil = 0
      }
    }
    b.lastCheckedAt = this.now()
    if (from !== b.state) {
      if (b.state === 'down') this.logger.warn(downMessage(b))
      else if (from === 'down') this.logger.info(upMessage(b))
      this.emit('change', { backend: b, from, to: b.state })
    }
  }

  private async refreshInventory(b: BackendState): Promise<void> {
    try {
      const tags = (await this.getJson(b, '/api/tags')) as { models?: Array<{ name?: unknown }> }
      b.models = new Set(namesOf(tags?.models))
      const ps = (await this.getJson(b, '/api/ps')) as { models?: Array<{ name?: unknown }> }
      b.loaded = new Set(namesOf(ps?.models))
    } catch (err) {
      // A backend that answers /api/version but not /api/tags is still up; keep the old inventory.
      this.logger.debug(`Inventory of ${b.record.name} failed: ${(err as Error).message}`)
    }
  }

  private async getJson(b: BackendState, path: string): Promise<unknown> {
    const headers: Record<string, string> = {}
    if (b.record.key) headers.authorization = `Bearer ${b.record.key}`
    const res = await this.agent.request({
      origin: b.origin,
      path,
      method: 'GET',
      headers,
      headersTimeout: this.settings.timeoutMs,
      bodyTimeout: this.settings.timeoutMs,
      signal: AbortSignal.timeout(this.settings.timeoutMs),
    })
    if (res.statusCode >= 400) {
      await res.body.dump()
      throw new Error(`${path} answered ${res.statusCode}`)
    }
    const text = await res.body.text()
    if (!text.trim().startsWith('{')) return null
    return JSON.parse(text) as unknown
  }
}

function namesOf(models: Array<{ name?: unknown }> | undefined): string[] {
  if (!Array.isArray(models)) return []
  return models.flatMap((m) => (typeof m?.name === 'string' ? [normalizeModel(m.name)] : []))
}
