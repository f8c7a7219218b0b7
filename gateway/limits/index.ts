export {
  compileModelAllowlist,
  canonicalModelName,
  parseModelName,
  type ModelName,
} from './models.js'
export { capOutputTokens } from './output-cap.js'
export {
  registerRateLimit,
  defaultOnRateLimited,
  dialectForUrl,
  rateLimitErrorBody,
  rateLimitMessage,
  RATE_LIMIT_HEADERS,
  type ErrorDialect,
  type OnRateLimited,
  type RateLimitInfo,
  type RateLimitOptions,
  type RateLimitPolicy,
} from './rate-limit.js'
export { TokenMeter, type TokenCheck, type TokenMeterOptions } from './token-bucket.js'
export { ConcurrencyGate } from './concurrency.js'
export {
  FairQueue,
  QueueFullError,
  QueueTimeoutError,
  AbortError,
  type AcquireOptions,
  type FairQueueOptions,
  type FairQueueStats,
  type Release,
  type SetTimer,
} from './fair-queue.js'
