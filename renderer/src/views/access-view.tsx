// Access: which addresses may connect at all (before any key is looked at).
import { useState, type FormEvent } from 'react'
import { useApi } from '../api/context.js'
import type { AccessListName, AccessLists, AccessPreset } from '../api/types.js'
import { useAction, useResource } from '../hooks/use-resource.js'
import { Banner, Card, ErrorText, Field, PageHeader } from '../components/controls.js'
import { Confirm } from '../components/dialog.js'

const LIST_TEXT: Record<AccessListName, { title: string; description: string; empty: string }> = {
  allow: {
    title: 'Allowed',
    description: 'Addresses and ranges (CIDR) that may connect. Everyone else is refused.',
    empty: 'Nobody may connect: add at least this machine (127.0.0.0/8).',
  },
  deny: {
    title: 'Refused',
    description: 'Refused even when allowed above: a refusal always wins.',
    empty: 'No one is refused by name.',
  },
  trustedProxies: {
    title: 'Trusted proxies',
    description:
      'Only when Corral sits behind a reverse proxy: its X-Forwarded-For header is believed.',
    empty: 'None: X-Forwarded-For is ignored.',
  },
}

export function AccessView() {
  const api = useApi()
  const lists = useResource(() => api.access(), [api])
  const presets = useResource(() => api.accessPresets(), [api])
  const [preset, setPreset] = useState<AccessPreset | null>(null)
  const apply = useAction(async (p: AccessPreset) =>
    lists.set(await api.replaceAccess('allow', p.entries)),
  )

  const current = lists.data
  return (
    <>
      <PageHeader
        title="Access"
        description="Who may connect at all, by network address. Keys are checked after this."
      />
      <div className="stack-lg">
        {lists.error ? <Banner tone="error">{lists.error}</Banner> : null}
        <Card title="Presets">
          <div className="preset-grid">
            {(presets.data ?? []).map((p) => {
              const active = current ? sameEntries(current.allow, p.entries) : false
              return (
                <div key={p.id} className={`preset ${active ? 'preset-active' : ''}`}>
                  <div className="preset-head">
                    <strong>{p.label}</strong>
                    {active ? <span className="badge badge-accent">In use</span> : null}
                  </div>
                  <p className="small muted">{p.description}</p>
                  <button
                    type="button"
                    className="btn btn-secondary btn-sm"
                    disabled={active || !current}
                    onClick={() => {
                      apply.clear()
                      setPreset(p)
                    }}
                  >
                    Use {p.label}
                  </button>
                </div>
              )
            })}
          </div>
          {presets.error ? <ErrorText error={presets.error} /> : null}
        </Card>
        {current ? (
          <>
            <EntryList list="allow" lists={current} onChange={lists.set} />
            <EntryList list="deny" lists={current} onChange={lists.set} />
            <details className="disclosure card">
              <summary>Advanced: trusted proxies</summary>
              <EntryList list="trustedProxies" lists={current} onChange={lists.set} bare />
            </details>
          </>
        ) : (
          <div className="skeleton-table" aria-busy="true" />
        )}
      </div>
      {preset ? (
        <Confirm
          title={`Use “${preset.label}”?`}
          confirmLabel={`Use ${preset.label}`}
          busy={apply.busy}
          error={apply.error}
          onCancel={() => setPreset(null)}
          onConfirm={async () => {
            if (await apply.run(preset)) setPreset(null)
          }}
        >
          <p>The allowed list becomes:</p>
          <ul className="chip-list">
            {preset.entries.map((e) => (
              <li key={e} className="chip mono">
                {e}
              </li>
            ))}
          </ul>
        </Confirm>
      ) : null}
    </>
  )
}

function EntryList({
  list,
  lists,
  onChange,
  bare = false,
}: {
  list: AccessListName
  lists: AccessLists
  onChange: (next: AccessLists) => void
  bare?: boolean
}) {
  const api = useApi()
  const [entry, setEntry] = useState('')
  const text = LIST_TEXT[list]
  const add = useAction(async () => {
    onChange(await api.addAccess(list, entry.trim()))
    setEntry('')
  })
  const remove = useAction(async (e: string) => onChange(await api.removeAccess(list, e)))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (entry.trim()) void add.run()
  }
  const entries = lists[list]
  const body = (
    <div className="stack">
      <p className="small muted">{text.description}</p>
      {entries.length === 0 ? (
        <p className="muted">{text.empty}</p>
      ) : (
        <ul className="chip-list" aria-label={`${text.title} addresses`}>
          {entries.map((e) => (
            <li key={e} className="chip mono">
              <span>{e}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove ${e} from ${text.title.toLowerCase()}`}
                onClick={() => void remove.run(e)}
                disabled={remove.busy}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="add-row" onSubmit={submit}>
        <Field
          label={`Add to ${text.title.toLowerCase()}`}
          hint="An address (192.168.1.20) or a range (192.168.1.0/24, fd00::/8)."
        >
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              className="input mono"
              value={entry}
              placeholder="192.168.1.0/24"
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(e) => {
                setEntry(e.target.value)
                add.clear()
              }}
            />
          )}
        </Field>
        <button type="submit" className="btn btn-secondary" disabled={add.busy || !entry.trim()}>
          Add
        </button>
      </form>
      <ErrorText error={add.error ?? remove.error} />
    </div>
  )
  if (bare) return body
  return <Card title={text.title}>{body}</Card>
}

function sameEntries(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join() === [...b].sort().join()
}
