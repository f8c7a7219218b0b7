// A backend whose Ollama has a known vulnerability: which CVEs, the version that fixes
// them, and whether model management is closed on it (the default) or the owner accepted
// the risk. The gateway decides (gateway/advisories/); this shows it and flips the setting.
import { useApi } from '../api/context.js'
import type { Backend } from '../api/types.js'
import { useAction } from '../hooks/use-resource.js'
import { ErrorText } from '../components/controls.js'

/** The highest fixing version among them: the one to update to. */
function updateTo(b: Backend): string {
  const parts = (v: string) => v.split('.').map((n) => Number.parseInt(n, 10) || 0)
  return b.advisories
    .map((a) => a.fixedIn)
    .reduce((best, v) => {
      const [x, y] = [parts(best), parts(v)]
      for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) < (y[i] ?? 0) ? v : best
      return best
    })
}

export function BackendAdvisories({ b, onChanged }: { b: Backend; onChanged: () => void }) {
  const api = useApi()
  const flip = useAction(async (accept: boolean) => {
    await api.updateBackend(b.id, { acceptVulnerable: accept })
    onChanged()
  })
  if (b.advisories.length === 0) return null
  return (
    <div className="backend-advisory" role="alert" aria-label={`Vulnerable Ollama on ${b.name}`}>
      <p>
        <strong>
          Ollama {b.version} on {b.name} has known vulnerabilities.
        </strong>{' '}
        Update it to {updateTo(b)} or later.
      </p>
      <ul>
        {b.advisories.map((a) => (
          <li key={a.cve} title={a.source}>
            <span className="mono">{a.cve}</span>: {a.summary} (fixed in {a.fixedIn})
          </li>
        ))}
      </ul>
      <p className="muted small">
        {b.acceptVulnerable
          ? 'You accepted the risk: creating, pulling and pushing models stay open on it.'
          : 'Creating, pulling and pushing models and uploading blobs are closed on it for every key.'}
      </p>
      {b.readOnly ? null : (
        <button
          type="button"
          className="btn btn-sm"
          disabled={flip.busy}
          onClick={() => void flip.run(!b.acceptVulnerable)}
        >
          {b.acceptVulnerable ? 'Close model management again' : 'Accept the risk'}
        </button>
      )}
      <ErrorText error={flip.error} />
    </div>
  )
}
