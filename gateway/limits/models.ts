// Which models a key may use. Patterns are compiled once per config load.

const DEFAULT_TAG = 'latest'
const DEFAULT_REGISTRY_PREFIX = 'registry.ollama.ai/'
const DEFAULT_NAMESPACE_PREFIX = 'library/'
const WILDCARD = '*'

/** A model name split into the part before the tag and the tag (Ollama's implicit `:latest`). */
export interface ModelName {
  name: string
  tag: string
}

/**
 * Canonical form of a model reference as Ollama resolves it: lowercased, without the default
 * registry (`registry.ollama.ai/`) and namespace (`library/`), with `:latest` when no tag is
 * given. The tag is what follows the last `:` after the last `/` (so `host:5000/m` has none).
 */
export function parseModelName(model: string): ModelName {
  let text = model.trim().toLowerCase()
  if (text.startsWith(DEFAULT_REGISTRY_PREFIX)) text = text.slice(DEFAULT_REGISTRY_PREFIX.length)
  if (text.startsWith(DEFAULT_NAMESPACE_PREFIX)) text = text.slice(DEFAULT_NAMESPACE_PREFIX.length)
  const colon = text.lastIndexOf(':')
  if (colon === -1 || colon < text.lastIndexOf('/')) return { name: text, tag: DEFAULT_TAG }
  return { name: text.slice(0, colon), tag: text.slice(colon + 1) || DEFAULT_TAG }
}

/** `llama3.2` -> `llama3.2:latest`; the form two references are compared in. */
export function canonicalModelName(model: string): string {
  const { name, tag } = parseModelName(model)
  return `${name}:${tag}`
}

/**
 * Compiles a key's model allowlist into a predicate. Patterns are exact names (`llama3.2`
 * means `llama3.2:latest`, as in Ollama), `family:*` (every tag of `family`) or `*` (every
 * model). An empty list allows every model; an empty or blank model name is never allowed
 * by a non-empty list.
 */
export function compileModelAllowlist(patterns: readonly string[]): (model: string) => boolean {
  if (patterns.length === 0) return () => true
  const exact = new Set<string>()
  const families = new Set<string>()
  for (const pattern of patterns) {
    const text = pattern.trim()
    if (text === WILDCARD) return () => true
    const { name, tag } = parseModelName(text)
    if (tag === WILDCARD) families.add(name)
    else exact.add(`${name}:${tag}`)
  }
  return (model) => {
    if (model.trim() === '') return false
    const { name, tag } = parseModelName(model)
    return families.has(name) || exact.has(`${name}:${tag}`)
  }
}
