// A key's model options applied to a request body the handler has already parsed:
// defaults where the client said nothing, and a ceiling on keep_alive. Compiled once
// per config load (compileKeyOptions); applying is a few property look-ups.
import type { KeyRecord } from '../config/schema.js'
import { LEGACY_OPTION_NAMES } from '../config/ollama-options.js'
import { keepAliveSeconds, OLLAMA_DEFAULT_KEEP_ALIVE_SECONDS } from './keep-alive.js'

type Body = Record<string, unknown>
type Pair = readonly [name: string, value: unknown]

export interface CompiledKeyOptions {
  /** Ollama `options` for /api/chat and /api/generate; empty when none. */
  readonly ollama: readonly Pair[]
  /** The options Ollama's OpenAI layer reads, as top-level fields of /v1 chat and completions. */
  readonly openai: readonly Pair[]
  /** `num_predict` as `max_tokens` on /v1, where the client set no output ceiling itself. */
  readonly maxTokens: number | null
  readonly keepAliveMaxSeconds: number | null
}

/** Ollama options that Ollama's OpenAI layer takes as top-level fields of the same name. */
export const OPENAI_FIELDS: ReadonlySet<string> = new Set([
  'temperature',
  'top_p',
  'seed',
  'stop',
  'frequency_penalty',
  'presence_penalty',
])

/** What each route (by its path in the route table) takes of a key's options. */
type Style = 'ollama' | 'ollama-embed' | 'openai-chat' | 'openai-completions'
/** The shortest keep_alive a preload gets under a cap of 0 (0 would unload the model). */
const MIN_LOADED_SECONDS = 1

const STYLES = new Map<string, Style>([
  ['/api/chat', 'ollama'],
  ['/api/generate', 'ollama'],
  ['/api/embed', 'ollama-embed'],
  ['/api/embeddings', 'ollama-embed'],
  ['/v1/chat/completions', 'openai-chat'],
  ['/v1/completions', 'openai-completions'],
])

/** Null when the key has nothing to apply: the hot path then does nothing at all. */
export function compileKeyOptions(
  record: Pick<KeyRecord, 'options' | 'keepAliveMaxSeconds'>,
): CompiledKeyOptions | null {
  const ollama: Pair[] = []
  const openai: Pair[] = []
  for (const [name, value] of Object.entries(record.options ?? {})) {
    // A name Ollama v0.33 no longer reads, kept from an older config: not sent.
    if (value === undefined || LEGACY_OPTION_NAMES.has(name)) continue
    const frozen = Array.isArray(value) ? Object.freeze([...value]) : value
    ollama.push([name, frozen])
    if (OPENAI_FIELDS.has(name)) openai.push([name, frozen])
  }
  const numPredict = record.options?.num_predict
  const keepAlive = record.keepAliveMaxSeconds ?? null
  if (ollama.length === 0 && keepAlive === null) return null
  return {
    ollama,
    openai,
    maxTokens: typeof numPredict === 'number' && numPredict >= 1 ? numPredict : null,
    keepAliveMaxSeconds: keepAlive,
  }
}

const isPlainObject = (v: unknown): v is Body =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** Whether the client left a field out: absent and null both mean "not set" to Ollama. */
const silent = (body: Body, name: string): boolean =>
  body[name] === undefined || body[name] === null

/**
 * Applies a key's options to a parsed body of the route at `path`; returns whether it changed.
 * - /api/chat, /api/generate: each option is added to `options` where the client set none;
 * - /v1/chat/completions, /v1/completions: temperature, top_p, seed, stop, frequency_penalty,
 *   presence_penalty (and num_predict as max_tokens) where the client set none;
 * - keep_alive on /api/chat, /api/generate, /api/embed, /api/embeddings: lowered to the cap
 *   when longer (or forever, or unreadable); when missing, set to Ollama's 5 minutes or the
 *   cap if shorter (the server's own default may be longer); never 0 on a preload.
 * What the client sent itself is never replaced, except a keep_alive above the cap.
 */
export function applyKeyOptions(path: string, body: Body, opts: CompiledKeyOptions): boolean {
  const style = STYLES.get(path)
  if (style === undefined) return false
  let changed = false
  if (style === 'ollama' || style === 'ollama-embed') {
    if (opts.keepAliveMaxSeconds !== null) {
      changed = capKeepAlive(body, opts.keepAliveMaxSeconds, path)
    }
    if (style === 'ollama' && opts.ollama.length > 0) {
      changed = fillOllamaOptions(body, opts.ollama) || changed
    }
    return changed
  }
  for (const [name, value] of opts.openai) {
    if (silent(body, name)) {
      body[name] = value
      changed = true
    }
  }
  if (
    opts.maxTokens !== null &&
    silent(body, 'max_tokens') &&
    (style === 'openai-completions' || silent(body, 'max_completion_tokens'))
  ) {
    body.max_tokens = opts.maxTokens
    changed = true
  }
  return changed
}

function fillOllamaOptions(body: Body, pairs: readonly Pair[]): boolean {
  const current = body.options
  if (current === undefined || current === null) {
    body.options = Object.fromEntries(pairs)
    return true
  }
  // Not an object: Ollama refuses the request itself; the gateway does not guess.
  if (!isPlainObject(current)) return false
  let changed = false
  for (const [name, value] of pairs) {
    if (silent(current, name)) {
      current[name] = value
      changed = true
    }
  }
  return changed
}

/**
 * A request with nothing to answer loads the model, and with `keep_alive: 0` unloads it
 * (ollama server/routes.go GenerateHandler, ChatHandler).
 */
function isLoadRequest(body: Body): boolean {
  if ('messages' in body || !('prompt' in body)) {
    return !Array.isArray(body.messages) || body.messages.length === 0
  }
  return body.prompt === '' || body.prompt === null
}

function capKeepAlive(body: Body, cap: number, path: string): boolean {
  const asked = keepAliveSeconds(body.keep_alive)
  if (asked !== null && asked <= cap) return false
  // Longer than the cap, forever (negative) or unreadable: the cap. Missing: Ollama's stock
  // default within the cap, so the cap holds even when the server's own default is longer.
  let value = asked === null ? Math.min(cap, OLLAMA_DEFAULT_KEEP_ALIVE_SECONDS) : cap
  // A cap of 0 must never turn a preload into an unload (of a model others may be using).
  if (value === 0 && path !== '/api/embed' && path !== '/api/embeddings' && isLoadRequest(body)) {
    value = MIN_LOADED_SECONDS
  }
  if (body.keep_alive === value) return false
  body.keep_alive = value
  return true
}
