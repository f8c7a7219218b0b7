// Model names as Ollama resolves them, so the key allowlist, the router (which backend has the
// model) and the merged model lists agree with each other and with Ollama:
// - ollama types/model/name.go ParseName: default host `registry.ollama.ai`, namespace
//   `library`, tag `latest`; names compare ignoring case (EqualFold);
// - ollama internal/modelref/modelref.go: a `:cloud`, `-cloud` or `:local` suffix says where the
//   model runs; a cloud model is stored under its legacy pull name (NormalizePullName:
//   `gpt-oss:120b:cloud` -> `gpt-oss:120b-cloud`, `kimi-k2.7-code:cloud` stays as it is).

const DEFAULT_HOST = 'registry.ollama.ai'
const DEFAULT_NAMESPACE = 'library'
const DEFAULT_TAG = 'latest'
const CLOUD_TAG_SUFFIX = '-cloud'

export type ModelSource = 'unspecified' | 'local' | 'cloud'

/** modelref.go parseSourceSuffix: the name without its source suffix, and the source. */
export function parseModelRef(raw: string): { base: string; source: ModelSource } {
  const text = raw.trim()
  const colon = text.lastIndexOf(':')
  if (colon >= 0) {
    const suffixRaw = text.slice(colon + 1).trim()
    const suffix = suffixRaw.toLowerCase()
    if (suffix === 'cloud') return { base: text.slice(0, colon), source: 'cloud' }
    if (suffix === 'local') return { base: text.slice(0, colon), source: 'local' }
    if (!suffixRaw.includes('/') && suffix.endsWith(CLOUD_TAG_SUFFIX)) {
      const tag = suffixRaw.slice(0, -CLOUD_TAG_SUFFIX.length)
      return { base: `${text.slice(0, colon + 1)}${tag}`, source: 'cloud' }
    }
  }
  return { base: text, source: 'unspecified' }
}

/** A model name's parts with Ollama's defaults filled in (name.go ParseName + Merge). */
export interface ModelParts {
  host: string
  namespace: string
  model: string
  tag: string
}

/** name.go ParseNameBare then Merge(DefaultName()); a scheme (`https://`) is dropped. */
export function modelParts(name: string): ModelParts {
  let rest = name
  let tag = ''
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  const segments = rest.split('/')
  const model = segments.pop() ?? ''
  const namespace = segments.pop() || DEFAULT_NAMESPACE
  const hostText = segments.join('/')
  const scheme = hostText.indexOf('://')
  const host = (scheme >= 0 ? hostText.slice(scheme + 3) : hostText) || DEFAULT_HOST
  return { host, namespace, model, tag: tag || DEFAULT_TAG }
}

/** The name Ollama stores a reference under: `:local` dropped, cloud in its legacy form. */
function pullName(raw: string): string {
  const { base, source } = parseModelRef(raw)
  if (source !== 'cloud') return base
  const explicitTag = base.lastIndexOf(':') > base.lastIndexOf('/')
  return explicitTag ? `${base}${CLOUD_TAG_SUFFIX}` : `${base}:cloud`
}

/**
 * The form two model references are compared in: lower case, with the default host and
 * namespace left out as name.go DisplayShortest does (`llama3.2:latest`, `me/m:7b`,
 * `host:5000/ns/m:tag`). `registry.ollama.ai/library/llama3.2:latest`, `library/llama3.2`,
 * `Llama3.2` and `llama3.2:local` all give `llama3.2:latest`; `gpt-oss:120b:cloud` gives
 * `gpt-oss:120b-cloud`. An empty reference gives ''.
 */
export function modelKey(raw: string): string {
  const name = pullName(raw)
  if (name === '') return ''
  const p = modelParts(name.toLowerCase())
  const prefix =
    p.host !== DEFAULT_HOST
      ? `${p.host}/${p.namespace}/`
      : p.namespace !== DEFAULT_NAMESPACE
        ? `${p.namespace}/`
        : ''
  return `${prefix}${p.model}:${p.tag}`
}

/** A model that runs on ollama.com under the owner's account (modelref.go ModelSourceCloud). */
export function isCloudModel(raw: string): boolean {
  return parseModelRef(raw).source === 'cloud'
}

/** The key split at its tag: `{ name: 'llama3.2', tag: 'latest' }` (for `family:*` patterns). */
export function splitModelKey(key: string): { name: string; tag: string } {
  const colon = key.lastIndexOf(':')
  if (colon < 0 || colon < key.lastIndexOf('/')) return { name: key, tag: DEFAULT_TAG }
  return { name: key.slice(0, colon), tag: key.slice(colon + 1) }
}
