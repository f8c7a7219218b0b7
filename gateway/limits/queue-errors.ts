// Why the fair queue refused or dropped a waiter. Each carries what the 429/503 needs.

/** The key already has `maxQueuedPerKey` requests waiting. Suggested status: 429. */
export class QueueFullError extends Error {
  readonly code = 'CORRAL_ERR_QUEUE_FULL'
  readonly statusCode = 429
  constructor(
    readonly keyId: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`too many requests queued for this key; retry in ${retryAfterSeconds}s`)
    this.name = 'QueueFullError'
  }
}

/** The request waited `maxWaitMs` without getting a slot. Suggested status: 503. */
export class QueueTimeoutError extends Error {
  readonly code = 'CORRAL_ERR_QUEUE_TIMEOUT'
  readonly statusCode = 503
  constructor(
    readonly keyId: string,
    readonly retryAfterSeconds: number,
    readonly waitedMs: number,
  ) {
    super(
      `the backend stayed busy for ${Math.round(waitedMs / 1000)}s; retry in ${retryAfterSeconds}s`,
    )
    this.name = 'QueueTimeoutError'
  }
}

/** The caller's signal aborted while it waited (the client went away); `cause` is the signal's reason. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR'
  constructor(options?: { cause?: unknown }) {
    super('the request was aborted while it waited in the queue', options)
    this.name = 'AbortError'
  }
}

/** The owner kicked the waiter's key: every request of it, queued or running, ends now. */
export class KickedError extends Error {
  readonly code = 'CORRAL_ERR_KICKED'
  constructor(readonly keyId: string) {
    super('cancelled by the owner')
    this.name = 'KickedError'
  }
}
