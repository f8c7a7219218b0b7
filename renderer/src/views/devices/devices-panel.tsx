// Devices in the Keys view: `ollama` command lines that sign their requests with their
// ~/.ollama/id_ed25519 (OLLAMA_AUTH=1). Those asking on first use are at the top (Allow as a
// new key / as an existing key / Deny); then the allowed ones, and the refused ones.
import { useState } from 'react'
import { useApi } from '../../api/context.js'
import type { KeyView } from '../../api/types.js'
import type { DevicesApi, PendingDevice } from '../../api/devices.js'
import { useAction, useResource } from '../../hooks/use-resource.js'
import { useStatus } from '../../live/status-context.js'
import { Banner, Card, ErrorText } from '../../components/controls.js'
import { formatAgo, formatDate } from '../../format.js'
import { AddDeviceDialog, ApproveDialog } from './device-dialogs.js'
import './devices.css'

const DEVICES_REFRESH_MS = 3000

/** `asks`: the devices waiting for the owner (top of the view); `list`: the Devices card. */
export function DevicesPanel({
  part,
  keys,
  onKeysChanged,
}: {
  part: 'asks' | 'list'
  keys: KeyView[]
  onKeysChanged: () => void
}) {
  const api = useApi().devices
  if (!api) return null
  return <Devices api={api} part={part} keys={keys} onKeysChanged={onKeysChanged} />
}

function Devices({
  api,
  part,
  keys,
  onKeysChanged,
}: {
  api: DevicesApi
  part: 'asks' | 'list'
  keys: KeyView[]
  onKeysChanged: () => void
}) {
  const status = useStatus()
  const devices = useResource(() => api.list(), [api], DEVICES_REFRESH_MS)
  const [approving, setApproving] = useState<{
    device: PendingDevice
    mode: 'new' | 'existing'
  } | null>(null)
  const [adding, setAdding] = useState(false)
  const changed = () => {
    void devices.reload()
    onKeysChanged()
  }
  const act = useAction(async (work: () => Promise<unknown>) => {
    await work()
    changed()
  })
  const view = devices.data ?? { pending: [], denied: [], enrolled: [] }
  const url = status.data?.urls[0] ?? 'http://THIS-COMPUTER:11435'
  const plainHttp = url.startsWith('http:')
  return (
    <>
      {part === 'list'
        ? null
        : view.pending.map((d) => (
            <div
              key={d.id}
              className="banner banner-warning device-ask"
              role="alert"
              aria-label="A device asks"
            >
              <div className="banner-body">
                <strong className="banner-title">{d.label} asks to use your GPU</strong>
                <div className="banner-text">
                  The <code>ollama</code> command line on that computer signs with the key{' '}
                  <code className="mono">{d.fingerprint}</code> (last try {formatAgo(d.lastSeen)}).
                </div>
                <div className="device-actions">
                  <button
                    type="button"
                    className="btn btn-primary btn-sm"
                    onClick={() => setApproving({ device: d, mode: 'new' })}
                  >
                    Allow as a new key
                  </button>
                  <button
                    type="button"
                    className="btn btn-secondary btn-sm"
                    onClick={() => setApproving({ device: d, mode: 'existing' })}
                  >
                    Allow as an existing key
                  </button>
                  <button
                    type="button"
                    className="btn btn-danger-ghost btn-sm"
                    disabled={act.busy}
                    onClick={() => void act.run(() => api.deny(d.id))}
                  >
                    Deny
                  </button>
                </div>
              </div>
            </div>
          ))}
      {part === 'asks' ? null : (
        <Card
          className="devices-card"
          title="Devices (the ollama command line)"
          actions={
            <button type="button" className="btn btn-secondary" onClick={() => setAdding(true)}>
              Add a device
            </button>
          }
        >
          {devices.error ? <Banner tone="error">{devices.error}</Banner> : null}
          <ErrorText error={act.error} />
          <p className="muted">
            A teammate types <code className="mono">export OLLAMA_HOST={url}</code> and{' '}
            <code className="mono">export OLLAMA_AUTH=1</code>; their first <code>ollama</code>{' '}
            command asks you here. A device uses its key&apos;s scopes, models, limits and pauses.
          </p>
          {plainHttp ? (
            <Banner tone="warning" title="Plain HTTP">
              The signature proves which device sent a request but does not cover its body: anyone
              on this network can read prompts and answers, and someone who can intercept the
              traffic could change a request on its way. Turn on HTTPS in Settings.
            </Banner>
          ) : null}
          {view.enrolled.length === 0 ? null : (
            <div className="table-wrap">
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">Device</th>
                    <th scope="col">Key</th>
                    <th scope="col">Fingerprint</th>
                    <th scope="col">Added</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {view.enrolled.map((d) => (
                    <tr key={d.id}>
                      <td>{d.name}</td>
                      <td>{d.keyName}</td>
                      <td className="mono">{d.fingerprint}</td>
                      <td>{formatDate(Date.parse(d.addedAt))}</td>
                      <td>
                        <button
                          type="button"
                          className="btn btn-danger-ghost btn-sm"
                          disabled={act.busy}
                          onClick={() => void act.run(() => api.remove(d.keyId, d.fingerprint))}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {view.denied.length === 0 ? null : (
            <>
              <h3 className="devices-subtitle">Refused</h3>
              <ul className="devices-refused">
                {view.denied.map((d) => (
                  <li key={d.id}>
                    {d.label || 'a device'} <code className="mono">{d.fingerprint}</code>{' '}
                    <button
                      type="button"
                      className="btn btn-ghost btn-sm"
                      disabled={act.busy}
                      onClick={() => void act.run(() => api.forget(d.id))}
                    >
                      Forget
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </Card>
      )}
      {approving ? (
        <ApproveDialog
          api={api}
          device={approving.device}
          mode={approving.mode}
          keys={keys}
          onCancel={() => setApproving(null)}
          onDone={() => {
            setApproving(null)
            changed()
          }}
        />
      ) : null}
      {adding ? (
        <AddDeviceDialog
          api={api}
          keys={keys}
          onCancel={() => setAdding(false)}
          onDone={() => {
            setAdding(false)
            changed()
          }}
        />
      ) : null}
    </>
  )
}
