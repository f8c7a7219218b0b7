// "Make sure these models are present": pulls on chosen backends, with
// progress that the control API, the UI and the CLI's progress bar follow.
import { EventEmitter } from 'node:events'
import type { Dispatcher } from 'undici'
import type { Config } from '../config/schema.js'
import type { Logger } from '../util/logger.js'
import { newId } from '../util/ids.js'
import { normalizeModel, type BackendPool, type BackendState } from './pool.js'

/** A pull can take hours on a slow link; only silence this long ends it. */
const PULL_IDLE_TIMEOUT_MS = 10 * 60_000
/** Finished jobs kept for the UI to show. */
const MAX_FINISHED_JOBS = 50
/** A failed ensure-pull is not retried sooner than this (a typo must not hammer a registry). */
const RETRY_FAILED_AFTER_MS = 10 * 60_000

export interface PullJob {
  id: string
  model: string
  backendId: string
  backend: string
  /** Ollama's last status line, e.g. "pulling 6a0746a1ec1a", "success". */
  status: string
  completed: number
  total: number
  error: string | null
  done: boolean
  startedAt: number
  finishedAt: number | null
}

/** A pull that cannot start; `status` is what the control API answers (400, 404, 503). */
export class PullError extends Error {
  override name = 'PullError'
  constructor(
    message: string,
    readonly status: 400 | 404 | 503 = 400,
  ) {
    super(message)
  }
}

export class PullManager extends EventEmitter<{ progress: [PullJob] }> {
  private readonly jobs = new Map<string, PullJob>()

  constructor(
    private readonly pool: BackendPool,
    private readonly agent: Dispatcher,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    super()
  }

  list(): PullJob[] {
    return [...this.jobs.values()].sort((a, b) => b.startedAt - a.startedAt)
  }

  /** Start pulling `model` on one backend (by id or name; default: the first usable one). */
  start(model: string, backendRef?: string): PullJob {
    const m = model.trim()
    if (!/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,254}$/.test(m))
      throw new PullError(`"${model}" is not a model name`)
    const usable = this.pool.list().filter((b) => this.pool.isUsable(b))
    const backend = backendRef
      ? this.pool.list().find((b) => b.id === backendRef || b.record.name === backendRef)
      : usable[0]
    if (!backend) {
      throw backendRef
        ? new PullError(`no backend "${backendRef}"`, 404)
        : new PullError('no backend is up', 503)
    }
    const running = this.list().find((j) => !j.done && j.backendId === backend.id && j.model === m)
    if (running) return running
    const job: PullJob = {
      id: newId(),
      model: m,
      backendId: backend.id,
      backend: backend.record.name,
      status: 'starting',
      completed: 0,
      total: 0,
      error: null,
      done: false,
      startedAt: this.now(),
      finishedAt: null,
    }
    this.jobs.set(job.id, job)
    this.trim()
    void this.run(job, backend)
    return job
  }

  /** Pull every `ensureModels` entry that a target backend does not have yet. */
  ensure(config: Config): PullJob[] {
    const started: PullJob[] = []
    for (const entry of config.ensureModels) {
      const want = normalizeModel(entry.model)
      const targets = this.pool
        .list()
        .filter(
          (b) => b.record.enabled && (entry.backends.length === 0 || entry.backends.includes(b.id)),
        )
      for (const b of targets) {
        if (b.state !== 'up' || b.models === null || b.models.has(want)) continue
        if (this.recentlyTried(entry.model, b.id)) continue
        this.logger.info(`Pulling ${entry.model} on ${b.record.name} (it is not there yet).`)
        started.push(this.start(entry.model, b.id))
      }
    }
    return started
  }

  private recentlyTried(model: string, backendId: string): boolean {
    return this.list().some(
      (j) =>
        j.model === model &&
        j.backendId === backendId &&
        (!j.done || (j.error !== null && this.now() - (j.finishedAt ?? 0) < RETRY_FAILED_AFTER_MS)),
    )
  }

  private async run(job: PullJob, backend: BackendState): Promise<void> {
    const layers = new Map<string, { total: number; completed: number }>()
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (backend.record.key) headers.authorization = `Bearer ${backend.record.key}`
      const res = await this.agent.request({
        origin: backend.origin,
        path: '/api/pull',
        method: 'POST',
        headers,
        body: JSON.stringify({ model: job.model, stream: true }),
        headersTimeout: PULL_IDLE_TIMEOUT_MS,
        bodyTimeout: PULL_IDLE_TIMEOUT_MS,
      })
      let buffered = ''
      for await (const chunk of res.body) {
        buffered += String(chunk)
        let nl: number
        while ((nl = buffered.indexOf('\n')) !== -1) {
          const line = buffered.slice(0, nl).trim()
          buffered = buffered.slice(nl + 1)
          if (line) this.onFrame(job, layers, line)
        }
      }
      if (buffered.trim()) this.onFrame(job, layers, buffered.trim())
      if (res.statusCode >= 400 && !job.error) job.error = `the backend answered ${res.statusCode}`
      if (!job.error && job.status !== 'success') job.error = 'the pull ended without success'
    } catch (err) {
      job.error = (err as Error).message
    }
    job.done = true
    job.finishedAt = this.now()
    if (job.error) this.logger.warn(`Pulling ${job.model} on ${job.backend} failed: ${job.error}`)
    else backend.models?.add(normalizeModel(job.model))
    this.emit('progress', job)
  }

  private onFrame(
    job: PullJob,
    layers: Map<string, { total: number; completed: number }>,
    line: string,
  ): void {
    let frame: {
      status?: unknown
      digest?: unknown
      total?: unknown
      completed?: unknown
      error?: unknown
    }
    try {
      frame = JSON.parse(line) as typeof frame
    } catch {
      return
    }
    if (typeof frame.error === 'string') job.error = frame.error
    if (typeof frame.status === 'string') job.status = frame.status
    if (typeof frame.digest === 'string' && typeof frame.total === 'number') {
      layers.set(frame.digest, {
        total: frame.total,
        completed: typeof frame.completed === 'number' ? frame.completed : 0,
      })
      job.total = 0
      job.completed = 0
      for (const l of layers.values()) {
        job.total += l.total
        job.completed += l.completed
      }
    }
    this.emit('progress', job)
  }

  private trim(): void {
    const finished = this.list().filter((j) => j.done)
    for (const j of finished.slice(MAX_FINISHED_JOBS)) this.jobs.delete(j.id)
  }
}
