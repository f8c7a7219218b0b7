// The two dialogs of device keys: allow a waiting device (as a new key or an existing one),
// and add a device ahead of time from its pasted ~/.ollama/id_ed25519.pub.
import { useState } from 'react'
import type { KeyView } from '../../api/types.js'
import type { DevicesApi, PendingDevice } from '../../api/devices.js'
import { useAction } from '../../hooks/use-resource.js'
import { Field } from '../../components/controls.js'
import { Confirm } from '../../components/dialog.js'

export function ApproveDialog({
  api,
  device,
  mode,
  keys,
  onDone,
  onCancel,
}: {
  api: DevicesApi
  device: PendingDevice
  mode: 'new' | 'existing'
  keys: KeyView[]
  onDone: () => void
  onCancel: () => void
}) {
  const usable = keys.filter((k) => k.active)
  const [name, setName] = useState(suggestedName(device))
  const [keyId, setKeyId] = useState(usable[0]?.id ?? '')
  const approve = useAction(async () => {
    await api.approve(device.id, mode === 'new' ? { name: name.trim() } : { as: keyId })
    onDone()
  })
  return (
    <Confirm
      title={mode === 'new' ? 'Allow as a new key' : 'Allow as an existing key'}
      confirmLabel="Allow"
      busy={approve.busy}
      error={approve.error}
      onCancel={onCancel}
      onConfirm={() => void approve.run()}
    >
      <p>
        <strong>{device.label}</strong> will use your GPU with the key&apos;s scopes, models and
        limits. Its fingerprint: <code className="mono">{device.fingerprint}</code>
      </p>
      {mode === 'new' ? (
        <Field label="Key name" hint="A new key with the default scope (inference) is made for it.">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input"
              value={name}
              maxLength={100}
              aria-describedby={describedBy}
              autoFocus
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
      ) : usable.length === 0 ? (
        <p className="muted">There is no active key yet: allow it as a new key instead.</p>
      ) : (
        <KeyPicker keys={usable} value={keyId} onChange={setKeyId} />
      )}
    </Confirm>
  )
}

export function AddDeviceDialog({
  api,
  keys,
  onDone,
  onCancel,
}: {
  api: DevicesApi
  keys: KeyView[]
  onDone: () => void
  onCancel: () => void
}) {
  const usable = keys.filter((k) => k.active)
  const [line, setLine] = useState('')
  const [name, setName] = useState('')
  const [keyId, setKeyId] = useState(usable[0]?.id ?? '')
  const add = useAction(async () => {
    await api.add(keyId, line.trim(), name.trim() || undefined)
    onDone()
  })
  return (
    <Confirm
      title="Add a device"
      confirmLabel="Add"
      busy={add.busy}
      error={add.error}
      onCancel={onCancel}
      onConfirm={() => void add.run()}
    >
      <Field
        label="Public key"
        hint="The line in ~/.ollama/id_ed25519.pub on the teammate's computer (ssh-ed25519 AAAA…)."
      >
        {({ id, describedBy }) => (
          <textarea
            id={id}
            className="input mono"
            rows={3}
            maxLength={2000}
            value={line}
            aria-describedby={describedBy}
            autoFocus
            placeholder="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA…"
            onChange={(e) => setLine(e.target.value)}
          />
        )}
      </Field>
      <Field label="Device name" hint="Optional; the key's comment (user@host) when left empty.">
        {({ id, describedBy }) => (
          <input
            id={id}
            className="input"
            value={name}
            maxLength={100}
            aria-describedby={describedBy}
            onChange={(e) => setName(e.target.value)}
          />
        )}
      </Field>
      {usable.length === 0 ? (
        <p className="muted">Create a key first: a device uses a key&apos;s scopes and limits.</p>
      ) : (
        <KeyPicker keys={usable} value={keyId} onChange={setKeyId} />
      )}
    </Confirm>
  )
}

/** The active key a device is bound to. */
function KeyPicker(props: { keys: KeyView[]; value: string; onChange: (id: string) => void }) {
  return (
    <Field label="Key">
      {({ id }) => (
        <select
          id={id}
          className="input"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
        >
          {props.keys.map((k) => (
            <option key={k.id} value={k.id}>
              {k.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  )
}

/** `ollama on 192.168.1.23`: a name the owner can keep or change. */
function suggestedName(d: PendingDevice): string {
  return (d.client ? `${d.client.split(' (')[0]} on ${d.address}` : `device on ${d.address}`).slice(
    0,
    100,
  )
}
