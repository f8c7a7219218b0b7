// One backend: health, latency, load, models (loaded ones marked), on/off and remove.
import { useApi } from '../api/context.js'
import type { Backend } from '../api/types.js'
import { useAction } from '../hooks/use-resource.js'
import { ErrorText, StatusDot, Switch } from '../components/controls.js'
import { formatAgo, formatDuration } from '../format.js'
import { BackendAdvisories } from './backend-advisories.js'

/** Why a backend from `serve --backend` or CORRAL_BACKENDS has no switches. */
const READ_ONLY_HINT =
  'Set by `corral serve --backend` or CORRAL_BACKENDS for this run, not saved: change it where Corral is started.'

const STATE_TEXT: Record<Backend['state'], string> = {
  up: 'Healthy',
  down: 'Not answering',
  unknown: 'Checking…',
  disabled: 'Turned off',
}

export function BackendCard({
  b,
  onChanged,
  onRemove,
  copyTargets = () => [],
  onCopy = () => {},
}: {
  b: Backend
  onChanged: () => void
  onRemove: () => void
  /** The other backends a model of this one could be copied to (pulled on). */
  copyTargets?: (model: string) => Backend[]
  onCopy?: (model: string) => void
}) {
  const api = useApi()
  const toggle = useAction(async (on: boolean) => {
    await api.updateBackend(b.id, { enabled: on })
    onChanged()
  })
  const loaded = new Set(b.loaded)
  return (
    <li className="card backend" aria-label={b.name}>
      <div className="backend-head">
        <StatusDot state={b.state} />
        <div className="backend-title">
          <strong>{b.name}</strong>
          <span className="muted small mono">{b.url}</span>
        </div>
        <dl className="backend-facts">
          <div>
            <dt>State</dt>
            <dd className={`state-${b.state}`}>{STATE_TEXT[b.state]}</dd>
          </div>
          <div>
            <dt>Latency</dt>
            <dd className="num">{b.state === 'up' ? formatDuration(b.latencyMs) : '–'}</dd>
          </div>
          <div>
            <dt>In flight</dt>
            <dd className="num">
              {b.inFlight}/{b.effectiveCapacity}
            </dd>
          </div>
          <div>
            <dt>Waiting</dt>
            <dd className="num">{b.queued}</dd>
          </div>
        </dl>
      </div>
      {b.full ? (
        <p className="backend-note muted small">
          It answered “server busy”: {b.effectiveCapacity} at once for now (setting: {b.capacity}).
        </p>
      ) : null}
      {b.state === 'down' && b.lastError ? (
        <p className="backend-error">
          {b.lastError} <span className="muted">· checked {formatAgo(b.lastCheckedAt)}</span>
        </p>
      ) : null}
      <BackendAdvisories b={b} onChanged={onChanged} />
      <div className="backend-models">
        {b.models.length === 0 ? (
          <span className="muted small">
            {b.state === 'up' ? 'No models installed.' : 'Models are listed once it answers.'}
          </span>
        ) : (
          <ul className="chip-list" aria-label={`Models on ${b.name}`}>
            {b.models.map((m) => (
              <li key={m} className={`chip mono ${loaded.has(m) ? 'chip-loaded' : ''}`}>
                {m}
                {loaded.has(m) ? <span className="visually-hidden"> (loaded)</span> : null}
                <CopyButton model={m} targets={copyTargets(m)} onCopy={onCopy} />
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="backend-foot">
        <span className="muted small">
          {b.version ? `Ollama ${b.version}` : ''}
          {b.source === 'local'
            ? ' · this computer'
            : b.source === 'mdns'
              ? ' · found on the LAN'
              : ''}
        </span>
        {b.readOnly ? (
          <span className="badge badge-muted" title={READ_ONLY_HINT}>
            Set for this run · read-only
          </span>
        ) : (
          <div className="row">
            <div className="compact-switch">
              <Switch
                checked={b.enabled}
                busy={toggle.busy}
                onChange={(on) => void toggle.run(on)}
                label="Enabled"
                ariaLabel={`Send requests to ${b.name}`}
              />
            </div>
            <button
              type="button"
              className="btn btn-danger-ghost btn-sm"
              onClick={onRemove}
              aria-label={`Remove ${b.name}`}
            >
              Remove
            </button>
          </div>
        )}
      </div>
      <ErrorText error={toggle.error} />
    </li>
  )
}

/** "Copy to the other backends": pulls the model on each one that lacks it. */
function CopyButton({
  model,
  targets,
  onCopy,
}: {
  model: string
  targets: Backend[]
  onCopy: (model: string) => void
}) {
  if (targets.length === 0) return null
  return (
    <button
      type="button"
      className="chip-action"
      onClick={() => onCopy(model)}
      aria-label={`Copy ${model} to the other backends`}
      title={`Pull ${model} on ${targets.map((t) => t.name).join(', ')}`}
    >
      copy
    </button>
  )
}
