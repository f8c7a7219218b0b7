// Which models a key may use. Patterns are compiled once per config load.

import { modelKey, splitModelKey } from '../model-names/index.js'

const WILDCARD = '*'

/** A model name split into the part before the tag and the tag (Ollama's implicit `:latest`). */
export interface ModelName {
  name: string
  tag: string
}

/**
 * A model reference split at its tag, as Ollama resolves it (gateway/model-names: default
 * registry, namespace and tag, case, the `:cloud`/`-cloud`/`:local` suffixes).
 */
export function parseModelName(model: string): ModelName {
  return splitModelKey(modelKey(model))
}

/** `llama3.2` -> `llama3.2:latest`; the form two references are compared in. */
export function canonicalModelName(model: string): string {
  return modelKey(model)
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
