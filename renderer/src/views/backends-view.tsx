// Backends: the Ollama servers behind Corral, their health, latency and models;
// services found on the LAN with one-click add; pulling a model.
import { useState, type FormEvent } from 'react'
import { useApi } from '../api/context.js'
import type { Backend, Candidate } from '../api/types.js'
import { useAction, useResource } from '../hooks/use-resource.js'
import { Banner, Card, Empty, ErrorText, Field, PageHeader } from '../components/controls.js'
import { Confirm } from '../components/dialog.js'
import { BackendCard } from './backend-card.js'
import { PullPanel } from './pull-panel.js'

const BACKENDS_REFRESH_MS = 5000

export function BackendsView() {
  const api = useApi()
  const data = useResource(() => api.backends(), [api], BACKENDS_REFRESH_MS)
  const [removing, setRemoving] = useState<Backend | null>(null)
  const remove = useAction(async (id: string) => {
    await api.removeBackend(id)
    await data.reload()
  })
  const [pullsStarted, setPullsStarted] = useState(0)
  const backends = data.data?.backends ?? []
  /** Where "copy to the other backends" pulls a model: healthy ones without it. */
  const copyTargets = (model: string, from: Backend) =>
    backends.filter(
      (b) => b.id !== from.id && b.enabled && b.state !== 'down' && !b.models.includes(model),
    )
  const copy = useAction(async (model: string, from: Backend) => {
    for (const b of copyTargets(model, from)) await api.pull(model, b.id)
    setPullsStarted((n) => n + 1)
  })
  const candidates = (data.data?.candidates ?? []).filter(
    (c) => !backends.some((b) => sameHost(b.url, c.url)),
  )
  return (
    <>
      <PageHeader
        title="Backends"
        description="The Ollama servers Corral sends requests to. Requests go to a healthy one that has the model."
      />
      <div className="stack-lg">
        {data.error ? <Banner tone="error">{data.error}</Banner> : null}
        {data.loading && !data.data ? (
          <div className="skeleton-table" aria-busy="true" />
        ) : backends.length === 0 ? (
          <Card>
            <Empty title="No backends">Add the address of an Ollama server below.</Empty>
          </Card>
        ) : (
          <ul className="backend-list" aria-label="Backends">
            {backends.map((b) => (
              <BackendCard
                key={b.id}
                b={b}
                onChanged={() => void data.reload()}
                onRemove={() => setRemoving(b)}
                copyTargets={(m) => copyTargets(m, b)}
                onCopy={(m) => void copy.run(m, b)}
              />
            ))}
          </ul>
        )}
        <ErrorText error={copy.error} />
        <Card title="Found on your network">
          <CandidateList candidates={candidates} onAdded={() => void data.reload()} />
        </Card>
        <Card title="Add a backend">
          <AddBackendForm onAdded={() => void data.reload()} />
        </Card>
        <Card title="Pull a model">
          <PullPanel backends={backends} refresh={pullsStarted} />
        </Card>
      </div>
      {removing ? (
        <Confirm
          title={`Remove “${removing.name}”?`}
          confirmLabel="Remove backend"
          danger
          busy={remove.busy}
          error={remove.error}
          onCancel={() => setRemoving(null)}
          onConfirm={async () => {
            if (await remove.run(removing.id)) setRemoving(null)
          }}
        >
          <p>Corral stops sending requests to {removing.url}. The server itself is not touched.</p>
        </Confirm>
      ) : null}
    </>
  )
}

function CandidateList({ candidates, onAdded }: { candidates: Candidate[]; onAdded: () => void }) {
  const api = useApi()
  const add = useAction(async (c: Candidate) => {
    if (c.nameClash) {
      // Any host can announce any name: ask, and add it by its address under a name of its own.
      const host = new URL(c.url).host
      const ok = window.confirm(
        `“${c.name}” may not be what it seems: ${c.nameClash}. Add the service at ${host} as “${c.name} at ${host}”?`,
      )
      if (!ok) return
      await api.addBackend({ candidate: c.url, name: `${c.name} at ${host}`.slice(0, 100) })
    } else await api.addBackend({ candidate: c.name })
    onAdded()
  })
  if (candidates.length === 0) {
    return (
      <p className="muted">
        Nothing new found. Ollama servers announced with mDNS (and other Corral gateways) show up
        here.
      </p>
    )
  }
  return (
    <div className="stack">
      <ul className="candidate-list">
        {candidates.map((c) => (
          <li key={c.url} className="candidate">
            <div>
              <strong>{c.name}</strong>
              <div className="muted small mono">{c.url}</div>
              {c.nameClash ? (
                <div className="small" role="note">
                  Name clash: {c.nameClash}
                </div>
              ) : null}
            </div>
            <div className="badges">
              {c.app === 'corral' ? (
                <span className="badge">Corral</span>
              ) : (
                <span className="badge">Ollama</span>
              )}
              {c.needsKey ? <span className="badge badge-muted">needs a key</span> : null}
              {c.nameClash ? <span className="badge badge-warning">name clash</span> : null}
            </div>
            <button
              type="button"
              className="btn btn-secondary btn-sm"
              onClick={() => void add.run(c)}
              disabled={add.busy}
              aria-label={`Add ${c.name}`}
            >
              Add
            </button>
          </li>
        ))}
      </ul>
      <ErrorText error={add.error} />
    </div>
  )
}

function AddBackendForm({ onAdded }: { onAdded: () => void }) {
  const api = useApi()
  const [url, setUrl] = useState('')
  const [name, setName] = useState('')
  const [key, setKey] = useState('')
  const add = useAction(async () => {
    await api.addBackend({
      url: url.trim(),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(key.trim() ? { key: key.trim() } : {}),
    })
    setUrl('')
    setName('')
    setKey('')
    onAdded()
  })
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (url.trim()) void add.run()
  }
  return (
    <form className="stack" onSubmit={submit}>
      <div className="grid-3">
        <Field label="Address" hint="host:port or a URL; port 11434 when left out.">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input mono"
              value={url}
              placeholder="192.168.1.30:11434"
              aria-describedby={describedBy}
              onChange={(e) => setUrl(e.target.value)}
            />
          )}
        </Field>
        <Field label="Name (optional)">
          {({ id }) => (
            <input
              id={id}
              className="input"
              value={name}
              placeholder="GPU box"
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Field label="Key (optional)" hint="For another Corral gateway.">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input mono"
              type="password"
              autoComplete="off"
              value={key}
              aria-describedby={describedBy}
              onChange={(e) => setKey(e.target.value)}
            />
          )}
        </Field>
      </div>
      <div className="row">
        <button type="submit" className="btn btn-primary" disabled={add.busy || !url.trim()}>
          {add.busy ? 'Adding…' : 'Add backend'}
        </button>
      </div>
      <ErrorText error={add.error} />
    </form>
  )
}

function sameHost(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host
  } catch {
    return false
  }
}
