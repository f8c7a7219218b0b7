// Pull a model onto one backend or all of them, with a progress bar per pull.
import { useEffect, useState, type FormEvent } from 'react'
import { useApi } from '../api/context.js'
import type { Backend, Pull } from '../api/types.js'
import { useAction, useResource } from '../hooks/use-resource.js'
import { ErrorText, Field } from '../components/controls.js'
import { Progress } from '../components/charts.js'
import { formatBytes } from '../format.js'

/** While a pull runs, its progress is fetched this often. */
const PULL_POLL_MS = 750
/** Finished pulls shown at most. */
const PULLS_SHOWN = 5

export function PullPanel({
  backends,
  refresh = 0,
}: {
  backends: Backend[]
  /** Changed when pulls were started elsewhere in the view (copy to other backends). */
  refresh?: number
}) {
  const api = useApi()
  const [model, setModel] = useState('')
  const [backend, setBackend] = useState('')
  const pulls = useResource(() => api.pulls(), [api, refresh])
  const running = (pulls.data ?? []).some((p) => !p.done)

  useEffect(() => {
    if (!running) return
    const timer = setInterval(() => void pulls.reload(), PULL_POLL_MS)
    return () => clearInterval(timer)
  }, [running, pulls.reload])

  const start = useAction(async () => {
    await api.pull(model.trim(), backend || undefined)
    setModel('')
    await pulls.reload()
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (model.trim()) void start.run()
  }
  const shown = (pulls.data ?? []).slice(0, PULLS_SHOWN)
  return (
    <div className="stack">
      <form className="pull-form" onSubmit={submit}>
        <Field label="Model" hint="A name from ollama.com/library, e.g. llama3.2 or qwen2.5:0.5b.">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input mono"
              value={model}
              placeholder="llama3.2"
              aria-describedby={describedBy}
              onChange={(e) => setModel(e.target.value)}
            />
          )}
        </Field>
        <Field label="On">
          {({ id }) => (
            <select
              id={id}
              className="input"
              value={backend}
              onChange={(e) => setBackend(e.target.value)}
            >
              <option value="">First healthy backend</option>
              {backends.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="btn btn-primary" disabled={start.busy || !model.trim()}>
          Pull
        </button>
      </form>
      <ErrorText error={start.error ?? pulls.error} />
      {shown.length > 0 ? (
        <ul className="pull-list" aria-label="Model pulls">
          {shown.map((p) => (
            <PullRow
              key={p.id}
              p={p}
              backendName={backends.find((b) => b.id === p.backend)?.name ?? p.backend}
            />
          ))}
        </ul>
      ) : null}
    </div>
  )
}

function PullRow({ p, backendName }: { p: Pull; backendName: string | null }) {
  const failed = p.error !== null
  const complete = p.done && !failed
  const sizes =
    p.total !== null && p.total > 0
      ? `${formatBytes(p.completed ?? 0)} of ${formatBytes(p.total)}`
      : ''
  return (
    <li className="pull">
      <div className="pull-head">
        <strong className="mono">{p.model}</strong>
        <span className="muted small">
          {backendName ? `on ${backendName}` : 'on every backend'}
        </span>
        <span className={`pull-status ${failed ? 'text-danger' : complete ? 'text-success' : ''}`}>
          {failed ? 'Failed' : complete ? 'Done' : p.status}
        </span>
      </div>
      <Progress
        value={complete ? 1 : p.total > 0 ? p.completed : null}
        max={complete ? 1 : p.total > 0 ? p.total : null}
        label={`Pulling ${p.model}`}
      />
      <div className="pull-foot small muted">
        {failed ? <span className="text-danger">{p.error}</span> : sizes}
      </div>
    </li>
  )
}
