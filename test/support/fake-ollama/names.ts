// Model names as Ollama resolves them, written from its source (not from Corral's): a name is
// parsed by types/model/name.go ParseName (default host `registry.ollama.ai`, namespace
// `library`, tag `latest`) after internal/modelref/modelref.go has taken off a `:cloud`,
// `:local` or `-cloud` source suffix; two names are the same model when they are equal
// ignoring case (name.go EqualFold). A cloud model is kept under its legacy pull name
// (modelref.go NormalizePullName: `gpt-oss:120b:cloud` -> `gpt-oss:120b-cloud`).

const DEFAULT_HOST = 'registry.ollama.ai'
const DEFAULT_NAMESPACE = 'library'
const DEFAULT_TAG = 'latest'

export type Source = 'unspecified' | 'local' | 'cloud'

/** internal/modelref/modelref.go parseSourceSuffix. */
export function parseRef(raw: string): { base: string; source: Source } {
  const text = raw.trim()
  const i = text.lastIndexOf(':')
  if (i >= 0) {
    const suffixRaw = text.slice(i + 1).trim()
    const suffix = suffixRaw.toLowerCase()
    if (suffix === 'cloud') return { base: text.slice(0, i), source: 'cloud' }
    if (suffix === 'local') return { base: text.slice(0, i), source: 'local' }
    if (!suffixRaw.includes('/') && suffix.endsWith('-cloud')) {
      return { base: text.slice(0, i + 1) + suffixRaw.slice(0, -'-cloud'.length), source: 'cloud' }
    }
  }
  return { base: text, source: 'unspecified' }
}

/** types/model/name.go ParseName, then String(): `host/namespace/model:tag`. */
export function fullName(s: string): string {
  let rest = s
  let tag = ''
  if (rest.lastIndexOf(':') > rest.lastIndexOf('/')) {
    tag = rest.slice(rest.lastIndexOf(':') + 1)
    rest = rest.slice(0, rest.lastIndexOf(':'))
  }
  const parts = rest.split('/')
  const model = parts.pop() ?? ''
  const namespace = parts.pop() || DEFAULT_NAMESPACE
  const host = (parts.join('/').split('://').pop() ?? '') || DEFAULT_HOST
  return `${host}/${namespace}/${model}:${tag || DEFAULT_TAG}`
}

/** The form two names are compared in: the pull name, fully qualified, lower case. */
export function modelKey(raw: string): string {
  const { base, source } = parseRef(raw)
  let name = base
  if (source === 'cloud') {
    const explicitTag = base.lastIndexOf(':') > base.lastIndexOf('/')
    name = explicitTag ? `${base}-cloud` : `${base}:cloud`
  }
  return fullName(name).toLowerCase()
}

/** name.go DisplayShortest: what /api/tags shows (`llama3.2:latest`, `me/m:7b`). */
export function shortName(raw: string): string {
  const full = fullName(raw)
  const prefix = `${DEFAULT_HOST}/${DEFAULT_NAMESPACE}/`
  if (full.toLowerCase().startsWith(prefix)) return full.slice(prefix.length)
  const hostPrefix = `${DEFAULT_HOST}/`
  return full.toLowerCase().startsWith(hostPrefix) ? full.slice(hostPrefix.length) : full
}

export const isCloudName = (raw: string): boolean => parseRef(raw).source === 'cloud'
