// "Ollama is not running", said the same way everywhere (issue 27): the terminal, the
// control API's status (the Share view, the tray, `corral status`) and the clients' errors.
import { CorralError } from '../errors.js'
import type { BackendPool, BackendState } from './pool.js'

export const OLLAMA_DOWNLOAD_URL = 'https://ollama.com/download'

/** Nothing listens at the address (or it did not accept in time): the server is not running. */
const NOT_RUNNING = /ECONNREFUSED|UND_ERR_CONNECT_TIMEOUT|EHOSTUNREACH/

export function isNotRunning(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string' && NOT_RUNNING.test(code)) return true
  return err instanceof Error && NOT_RUNNING.test(err.message)
}

/** What the owner reads when a backend goes down: what happened and what to do. */
export function downMessage(b: BackendState): string {
  const where = b.origin.replace(/^https?:\/\//, '')
  if (b.lastError !== null && NOT_RUNNING.test(b.lastError)) {
    return `Ollama is not running at ${where} — start it with \`ollama serve\` or install it (${OLLAMA_DOWNLOAD_URL}); Corral will pick it up.`
  }
  return `Ollama at ${where} (${b.record.name}) does not answer (${b.lastError ?? 'no answer'}); Corral keeps checking.`
}

export function upMessage(b: BackendState): string {
  const version = b.version ? ` (Ollama ${b.version})` : ''
  return `Ollama at ${b.origin.replace(/^https?:\/\//, '')} is running${version}: Corral is sharing it.`
}

export type OllamaState = 'up' | 'down' | 'checking' | 'none'

/** The state the tray and the Share view show: every enabled backend down is "down". */
export function ollamaState(pool: BackendPool): { state: OllamaState; message: string | null } {
  const enabled = pool.list().filter((b) => b.record.enabled)
  if (enabled.length === 0) {
    return { state: 'none', message: 'No Ollama to share: add a backend (Backends).' }
  }
  if (enabled.some((b) => b.state === 'up')) return { state: 'up', message: null }
  if (enabled.every((b) => b.state === 'down')) {
    return { state: 'down', message: enabled.map(downMessage).join(' ') }
  }
  return { state: 'checking', message: null }
}

/**
 * The error a client gets when no backend can take its request: the owner's Ollama is off
 * (every enabled backend down, or this attempt refused), or there is none at all.
 */
export function noBackendError(pool: BackendPool, cause?: unknown): CorralError {
  const enabled = pool.list().filter((b) => b.record.enabled)
  const allDown = enabled.length > 0 && enabled.every((b) => b.state === 'down')
  if (allDown || (cause !== undefined && isNotRunning(cause))) return ollamaDownError(cause)
  return new CorralError('CORRAL_ERR_NO_BACKEND', { cause })
}

export function ollamaDownError(cause?: unknown): CorralError {
  return new CorralError('CORRAL_ERR_OLLAMA_DOWN', {
    cause,
    headers: { 'retry-after': String(RETRY_AFTER_S) },
  })
}

/** Corral checks every few seconds; a client may try again after this. */
const RETRY_AFTER_S = 10
