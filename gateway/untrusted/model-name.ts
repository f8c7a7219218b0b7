// Ollama's model-name grammar, to tell a name Ollama could serve from anything else a
// client puts in `model`. From ollama types/model/name.go (ParseNameBare, isValidPart,
// isValidLen) and internal/modelref/modelref.go (the `:cloud`/`:local` source suffix,
// surrounding spaces trimmed). A name outside it is refused by Ollama anyway ("model is
// required" / invalid model name, ollama server/model_resolver.go), so the stats keep a
// placeholder instead of the client's text.

/** What the stats, the log and the live feed say for a `model` outside the grammar. */
export const INVALID_MODEL_NAME = '(invalid name)'

/** Part lengths from ollama types/model/name.go `isValidLen`. */
export const MODEL_HOST_MAX_CHARS = 350
export const MODEL_PART_MAX_CHARS = 80
/**
 * The longest name the grammar allows: `https://` + host / namespace / model : tag, and a
 * `:cloud` suffix. Ollama does not check the scheme (`ParseNameBare` keeps whatever stands
 * before `://`); Corral accepts only http and https there.
 */
export const MODEL_NAME_MAX_CHARS =
  'https://'.length + MODEL_HOST_MAX_CHARS + 3 * (1 + MODEL_PART_MAX_CHARS) + ':cloud'.length

type Kind = 'host' | 'namespace' | 'model' | 'tag'

const isWordChar = (c: number) =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f

/** ollama types/model/name.go `isValidPart`: first char alphanumeric or `_`, then per kind. */
function validPart(kind: Kind, s: string): boolean {
  const max = kind === 'host' ? MODEL_HOST_MAX_CHARS : MODEL_PART_MAX_CHARS
  if (s.length < 1 || s.length > max) return false
  if (!isWordChar(s.charCodeAt(0))) return false
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (isWordChar(c) || c === 0x2d /* - */) continue
    if (c === 0x2e /* . */ && kind !== 'namespace') continue
    if (c === 0x3a /* : */ && kind === 'host') continue
    return false
  }
  return true
}

/** ollama internal/modelref/modelref.go `parseSourceSuffix`: `:cloud`, `:local`, `-cloud` tags. */
function withoutSource(raw: string): string {
  const idx = raw.lastIndexOf(':')
  if (idx < 0) return raw
  const suffixRaw = raw.slice(idx + 1).trim()
  const suffix = suffixRaw.toLowerCase()
  if (suffix === 'cloud' || suffix === 'local') return raw.slice(0, idx)
  if (!suffixRaw.includes('/') && suffix.endsWith('-cloud'))
    return raw.slice(0, idx + 1) + suffixRaw.slice(0, suffixRaw.length - '-cloud'.length)
  return raw
}

/**
 * Whether Ollama would take `raw` as a model name: `[scheme://][[host/]namespace/]model[:tag]`
 * with each part in its grammar (missing parts get Ollama's defaults, which are valid).
 */
export function isOllamaModelName(raw: string): boolean {
  if (raw.length > MODEL_NAME_MAX_CHARS + 2 * 16) return false // spaces around, at most
  let s = withoutSource(raw.trim())
  let tag: string | null = null
  // ollama types/model/name.go ParseNameBare: the tag only when ':' comes after the last '/'.
  const colon = s.lastIndexOf(':')
  if (colon > s.lastIndexOf('/')) {
    tag = s.slice(colon + 1)
    s = s.slice(0, colon)
  }
  if (tag !== null && !validPart('tag', tag)) return false
  const parts = s.split('/')
  if (parts.length > 3) {
    // `scheme://host/ns/model`: the scheme's '//' made two more parts.
    const scheme = /^https?:\/\//i.exec(s)
    const rest = scheme === null ? '' : s.slice(scheme[0].length)
    if (scheme === null || rest.split('/').length !== 3) return false
    return isOllamaModelName(rest + (tag === null ? '' : `:${tag}`))
  }
  const [a, b, c] = parts
  if (parts.length === 1) return validPart('model', a!)
  if (parts.length === 2) return validPart('namespace', a!) && validPart('model', b!)
  return validPart('host', a!) && validPart('namespace', b!) && validPart('model', c!)
}

/** The name as Corral records it: as sent when Ollama's grammar takes it, else the placeholder. */
export function boundModelName(raw: string): string {
  return isOllamaModelName(raw) ? raw.trim() : INVALID_MODEL_NAME
}
