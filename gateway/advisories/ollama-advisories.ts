// Known vulnerabilities of Ollama itself, reachable through its API, with the version that
// fixes each. A backend whose /api/version (read by the health checks, backends/health.ts)
// is older than a fix is flagged in `corral status`, the Backends view and the tray, and the
// routes that manage models on it stay closed to every key until the owner updates Ollama
// or accepts the risk for that backend (`corral backends update ID --accept-vulnerable`).

export interface OllamaAdvisory {
  cve: string
  /** The first Ollama version without the flaw. */
  fixedIn: string
  /** What it is, in a few words. */
  summary: string
  /** Where it is described. */
  source: string
}

/** Sources: the advisories named in each entry (issue 25 gives the CVEs and fixed versions). */
export const OLLAMA_ADVISORIES: readonly OllamaAdvisory[] = [
  {
    cve: 'CVE-2024-28224',
    fixedIn: '0.1.29',
    summary: 'DNS rebinding: a web page can reach the API of an Ollama on the same machine',
    source:
      'NCC Group, "Technical Advisory – Ollama DNS Rebinding Attack (CVE-2024-28224)"; https://nvd.nist.gov/vuln/detail/CVE-2024-28224',
  },
  {
    cve: 'CVE-2024-37032',
    fixedIn: '0.1.34',
    summary: 'path traversal through a model digest ("Probllama"): files written and read',
    source:
      'Wiz, "Probllama: Ollama Remote Code Execution Vulnerability (CVE-2024-37032)", https://www.wiz.io/blog/probllama-ollama-vulnerability-cve-2024-37032; https://nvd.nist.gov/vuln/detail/CVE-2024-37032',
  },
  {
    cve: 'CVE-2026-7482',
    fixedIn: '0.17.1',
    summary: 'heap out-of-bounds read through /api/create and /api/push',
    source: 'https://nvd.nist.gov/vuln/detail/CVE-2026-7482',
  },
]

/**
 * Routes closed on a flagged backend: the ones these flaws go through (a model pulled from
 * a hostile registry, created from hostile files, pushed to carry data away).
 */
export const GUARDED_ROUTES: ReadonlySet<string> = new Set([
  '/api/create',
  '/api/push',
  '/api/pull',
  '/api/blobs/:digest',
])

/** `0.1.33`, `v0.17.0-rc2` → [0, 1, 33]; null when it is not a version. */
export function parseVersion(version: string): number[] | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim())
  return m === null ? null : [Number(m[1]), Number(m[2]), Number(m[3])]
}

/** Whether `version` comes before `fixed` (a pre-release of the fixed version counts as before). */
export function olderThan(version: string, fixed: string): boolean {
  const a = parseVersion(version)
  const b = parseVersion(fixed)
  if (a === null || b === null) return false
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!
  return /^v?\d+\.\d+\.\d+-/.test(version.trim())
}

/** The advisories that apply to a backend reporting `version`; none when unknown. */
export function advisoriesFor(version: string | null): OllamaAdvisory[] {
  if (version === null) return []
  return OLLAMA_ADVISORIES.filter((a) => olderThan(version, a.fixedIn))
}

/** The fix that covers them all: the highest fixed version among them. */
export function updateTo(advisories: readonly OllamaAdvisory[]): string | null {
  let best: string | null = null
  for (const a of advisories) if (best === null || olderThan(best, a.fixedIn)) best = a.fixedIn
  return best
}

/** One line for the owner: what is wrong, what is closed, what to do. */
export function advisoryWarning(
  backend: { id: string; name: string; version: string | null; acceptVulnerable: boolean },
  advisories: readonly OllamaAdvisory[],
): string {
  const cves = advisories.map((a) => `${a.cve} (${a.summary}, fixed in ${a.fixedIn})`).join('; ')
  const head = `Backend ${backend.name} runs Ollama ${backend.version}, which has ${cves}.`
  return backend.acceptVulnerable
    ? `${head} You accepted the risk: model management stays open on it. Update Ollama to ${updateTo(advisories)} or later.`
    : `${head} Creating, pulling and pushing models and uploading blobs are closed on it: update Ollama to ${updateTo(advisories)} or later, or accept the risk: corral backends update ${backend.id} --accept-vulnerable`
}
