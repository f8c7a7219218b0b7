// Keys: who may use the gateway, with last use, today's usage and limits; create, change
// (one "⋯" menu per row) and revoke, each action confirmed by a toast.
import { useEffect, useState } from 'react'
import { useApi } from '../api/context.js'
import type { KeyView, Limits } from '../api/types.js'
import { useAction, useResource } from '../hooks/use-resource.js'
import { useStatus } from '../live/status-context.js'
import { Banner, Card, Empty, PageHeader } from '../components/controls.js'
import { Confirm } from '../components/dialog.js'
import { KeyDialog } from './key-dialog.js'
import { formatAgo, formatCount, formatDate } from '../format.js'
import { KeyRowMenu, PausedBadge, type Notify } from '../owner/key-owner-actions.js'
import { ToastRegion, useToasts } from '../components/toast.js'
import { useActivity, type OwnerActions } from '../owner/use-activity.js'
import { DevicesPanel } from './devices/devices-panel.js'

const KEYS_REFRESH_MS = 5000

export function KeysView() {
  const api = useApi()
  const status = useStatus()
  const keys = useResource(() => api.keys(), [api], KEYS_REFRESH_MS)
  const [creating, setCreating] = useState<'key' | 'guest' | null>(null)
  const [editing, setEditing] = useState<KeyView | null>(null)
  // The tray's "Add a guest" (and a link to #add-guest) opens the guest dialog here.
  useEffect(() => {
    const check = () => {
      if (window.location.hash !== '#add-guest') return
      history.replaceState(history.state, '', '#keys')
      setCreating('guest')
    }
    check()
    window.addEventListener('hashchange', check)
    return () => window.removeEventListener('hashchange', check)
  }, [])
  const [revoking, setRevoking] = useState<KeyView | null>(null)
  const [showRevoked, setShowRevoked] = useState(false)
  const owner = useActivity()
  const { toasts, toast } = useToasts()
  const revoke = useAction(async (k: KeyView) => {
    await api.revokeKey(k.id)
    toast(`“${k.name}” is revoked: its running requests were ended, and new ones are refused.`)
    await keys.reload()
    void status.reload()
  })

  const list = keys.data ?? []
  const inactive = list.filter((k) => !k.active).length
  const shown = showRevoked ? list : list.filter((k) => k.active)
  return (
    <>
      <PageHeader
        title="Keys"
        description="Each person or app gets its own key. A key is shown once, when it is created."
        actions={
          <>
            <button
              type="button"
              className="btn btn-secondary"
              onClick={() => setCreating('guest')}
            >
              Add a guest
            </button>
            <button type="button" className="btn btn-primary" onClick={() => setCreating('key')}>
              New key
            </button>
          </>
        }
      />
      {keys.error ? <Banner tone="error">{keys.error}</Banner> : null}
      <DevicesPanel part="asks" keys={list} onKeysChanged={() => void keys.reload()} />
      <Card>
        {keys.loading && !keys.data ? (
          <div className="skeleton-table" aria-busy="true" />
        ) : shown.length === 0 ? (
          <Empty title={list.length === 0 ? 'No keys yet' : 'No active keys'}>
            Create one with <strong>New key</strong>, or use <strong>Add a device</strong> in Share
            for a QR code.
          </Empty>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">May use</th>
                  <th scope="col">Last used</th>
                  <th scope="col" className="num">
                    Today
                  </th>
                  <th scope="col">Limits</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((k) => (
                  <KeyRow
                    key={k.id}
                    k={k}
                    owner={owner}
                    notify={toast}
                    onRevoke={() => setRevoking(k)}
                    onEdit={() => setEditing(k)}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {inactive > 0 ? (
          <div className="card-footer">
            <label className="check inline">
              <input
                type="checkbox"
                checked={showRevoked}
                onChange={(e) => setShowRevoked(e.target.checked)}
              />
              <span>Show revoked and expired keys ({inactive})</span>
            </label>
          </div>
        ) : null}
      </Card>
      <DevicesPanel part="list" keys={list} onKeysChanged={() => void keys.reload()} />

      {editing ? (
        <KeyDialog
          editing={editing}
          sharing={status.data?.sharing ?? false}
          onClose={() => setEditing(null)}
          onSaved={(changed) => {
            toast(changed ? `“${editing.name}” is saved.` : 'Nothing was changed.', 'info')
            void keys.reload()
          }}
        />
      ) : null}
      {creating ? (
        <KeyDialog
          title={creating === 'guest' ? 'Add a guest' : 'New key'}
          guest={creating === 'guest'}
          sharing={status.data?.sharing ?? false}
          onClose={() => setCreating(null)}
          onCreated={(created) => {
            toast(`“${created.name}” is created. Copy the key now: it is shown only once.`)
            void keys.reload()
            void status.reload()
          }}
        />
      ) : null}
      {revoking ? (
        <Confirm
          title={`Revoke “${revoking.name}”?`}
          confirmLabel="Revoke key"
          danger
          busy={revoke.busy}
          error={revoke.error}
          onCancel={() => {
            revoke.clear()
            setRevoking(null)
          }}
          onConfirm={async () => {
            if (await revoke.run(revoking)) setRevoking(null)
          }}
        >
          <p>
            Apps using this key stop at once: requests it is running now are ended, and every new
            one is refused. This cannot be undone: to let them back in, create a new key.
          </p>
        </Confirm>
      ) : null}
      <ToastRegion toasts={toasts} />
    </>
  )
}

function KeyRow({
  k,
  owner,
  notify,
  onRevoke,
  onEdit,
}: {
  k: KeyView
  owner: OwnerActions
  notify: Notify
  onRevoke: () => void
  onEdit: () => void
}) {
  const state = k.revokedAt ? 'Revoked' : !k.active ? 'Expired' : null
  return (
    <tr className={k.active ? '' : 'row-inactive'}>
      <td>
        <div className="cell-main">
          {k.name}
          <PausedBadge keyId={k.id} owner={owner} />
        </div>
        <div className="cell-sub mono">
          {k.prefix}…{state ? <span className="badge badge-muted">{state}</span> : null}
          {k.guest ? <span className="badge badge-accent">guest</span> : null}
          {k.active && k.expiresAt ? (
            <span className="badge">expires {formatDate(k.expiresAt)}</span>
          ) : null}
        </div>
        {k.subnet || k.guest ? (
          <div className="cell-sub">
            {k.subnet ? `from ${k.subnet} only` : 'bound to the first device’s network'}
          </div>
        ) : null}
      </td>
      <td>
        <div className="badges">
          {k.scopes.map((s) => (
            <span key={s} className="badge">
              {s}
            </span>
          ))}
        </div>
        <div className="cell-sub">{k.models.length > 0 ? k.models.join(', ') : 'every model'}</div>
      </td>
      <td className="nowrap">{formatAgo(k.lastUsedAt)}</td>
      <td className="num nowrap">
        <div className="cell-main">{formatCount(k.usageToday.requests)} req</div>
        <div className="cell-sub">{formatCount(k.usageToday.tokens)} tokens</div>
      </td>
      <td className="small">
        {limitsText(k.limits)}
        {optionsText(k) ? <div className="cell-sub mono">{optionsText(k)}</div> : null}
      </td>
      <td className="actions">
        <KeyRowMenu k={k} owner={owner} notify={notify} onEdit={onEdit} onRevoke={onRevoke} />
      </td>
    </tr>
  )
}

const WINDOW_TEXT: Record<number, string> = { 1: 's', 60: 'min', 3600: 'h', 86_400: 'day' }

/** "60/min · 4 at once · 10k tokens/min", or "Defaults". */
export function limitsText(l: Partial<Limits>): string {
  const parts: string[] = []
  if (l.requests) {
    const w = l.windowSeconds ?? 60
    parts.push(`${formatCount(l.requests)}/${WINDOW_TEXT[w] ?? `${w} s`}`)
  }
  if (l.tokensPerMinute) parts.push(`${formatCount(l.tokensPerMinute)} tokens/min`)
  if (l.concurrency) parts.push(`${l.concurrency} at once`)
  if (l.maxOutputTokens) parts.push(`answers ≤ ${formatCount(l.maxOutputTokens)} tokens`)
  return parts.length > 0 ? parts.join(' · ') : 'Defaults'
}

/** "num_ctx 8192 · temperature 0.2 · keep-alive ≤ 30 min", or '' when the key sets none. */
export function optionsText(k: Pick<KeyView, 'options' | 'keepAliveMaxSeconds'>): string {
  const parts = Object.entries(k.options).map(
    ([name, v]) => `${name} ${Array.isArray(v) ? v.join(',') : String(v)}`,
  )
  if (k.keepAliveMaxSeconds !== null) {
    const s = k.keepAliveMaxSeconds
    parts.push(
      `keep-alive ≤ ${s % 3600 === 0 && s > 0 ? `${s / 3600} h` : s % 60 === 0 && s > 0 ? `${s / 60} min` : `${s} s`}`,
    )
  }
  return parts.join(' · ')
}
