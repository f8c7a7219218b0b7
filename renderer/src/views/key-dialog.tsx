// The one key dialog, for a new key (the Keys view's "New key" and "Add a guest", the Share
// view's and the tray's "Add a device") and for changing a key after it was made: name,
// expiry and models up front, the rest folded under "Permissions and limits". A new key is
// then shown once with a QR code that opens the connect page; an edit sends what changed.
import { useState, type FormEvent } from 'react'
import { useApi } from '../api/context.js'
import type { CreatedKey, KeyView } from '../api/types.js'
import { useAction } from '../hooks/use-resource.js'
import { Banner, ErrorText, Field, Segmented } from '../components/controls.js'
import { Dialog } from '../components/dialog.js'
import { formatDate } from '../format.js'
import { KeyReveal } from './key-reveal.js'
import { PermissionsFields, permissionsSummary } from './key-fields.js'
import {
  EXPIRY,
  formOf,
  GUEST_DEFAULT_EXPIRY,
  GUEST_EXPIRY,
  KEEP_EXPIRY,
  keyInputOf,
  keyPatchOf,
  newForm,
  type FormState,
  type SetField,
} from './key-form.js'
import { ModelPicker } from './model-picker.js'

export function KeyDialog({
  title,
  simple = false,
  guest = false,
  defaultName = '',
  editing,
  sharing,
  onClose,
  onCreated,
  onSaved,
}: {
  title?: string
  /** "Who is it for" (a device or a guest) up front: the "Add a device" flow. */
  simple?: boolean
  /** Start as a guest key ("Add a guest"). */
  guest?: boolean
  defaultName?: string
  /** Change this key instead of making one. */
  editing?: KeyView
  /** Whether the LAN listener runs (the QR code's link works only then). */
  sharing: boolean
  onClose: () => void
  onCreated?: (key: CreatedKey) => void
  /** After an edit was saved (`changed`: whether anything was sent). */
  onSaved?: (changed: boolean) => void
}) {
  const api = useApi()
  const [created, setCreated] = useState<CreatedKey | null>(null)
  const [form, setForm] = useState<FormState>(() =>
    editing ? formOf(editing) : newForm({ name: defaultName, guest }),
  )
  const submitAction = useAction(async () => {
    if (editing) {
      const patch = keyPatchOf(editing, form)
      const changed = Object.keys(patch).length > 0
      if (changed) await api.updateKey(editing.id, patch)
      onSaved?.(changed)
      onClose()
      return
    }
    const key = await api.createKey(keyInputOf(form))
    setCreated(key)
    onCreated?.(key)
  })
  const set: SetField = (k, v) => setForm((f) => ({ ...f, [k]: v }))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void submitAction.run()
  }

  if (created) {
    return (
      <Dialog
        title={`Key “${created.name}” is ready`}
        onClose={onClose}
        wide
        footer={
          <button type="button" className="btn btn-primary" onClick={onClose}>
            Done
          </button>
        }
      >
        {created.guest ? (
          <Banner tone="info" title="A guest key">
            It works until {created.expiresAt ? formatDate(created.expiresAt) : 'it is revoked'},{' '}
            {created.subnet
              ? `only from ${created.subnet}.`
              : 'only from the network of the first device that uses it.'}
          </Banner>
        ) : null}
        <KeyReveal created={created} sharing={sharing} />
      </Dialog>
    )
  }

  const nameMissing = form.name.trim() === '' && !form.guest
  const setGuest = (on: boolean) =>
    setForm((f) => ({ ...f, guest: on, expires: on ? GUEST_DEFAULT_EXPIRY : '' }))
  const busyLabel = editing ? 'Saving…' : 'Creating…'
  const label = editing ? 'Save' : form.guest ? 'Create guest key' : 'Create key'
  return (
    <Dialog
      title={title ?? (editing ? `Edit “${editing.name}”` : 'New key')}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="key-form"
            className="btn btn-primary"
            disabled={submitAction.busy || nameMissing}
          >
            {submitAction.busy ? busyLabel : label}
          </button>
        </>
      }
    >
      <form id="key-form" className="stack" onSubmit={submit}>
        {simple && !editing ? (
          <Segmented
            label="Who is it for"
            value={form.guest ? 'guest' : 'device'}
            options={[
              { value: 'device', label: 'A device of the team' },
              { value: 'guest', label: 'A guest' },
            ]}
            onChange={(v) => setGuest(v === 'guest')}
          />
        ) : null}
        {form.guest && !editing ? (
          <p className="field-hint">
            A guest key can chat and generate only, stops working by itself (within 30 days), and
            works only from the network of the device that first uses it.
          </p>
        ) : null}
        <Field
          label="Name"
          hint={
            form.guest
              ? 'Optional: who it is for, to find them in the stats.'
              : 'Who or what uses it, e.g. “Sam’s phone” or “CI runner”. Each key has its own.'
          }
        >
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input"
              value={form.name}
              maxLength={100}
              required={!form.guest}
              placeholder={form.guest ? 'Guest' : undefined}
              autoFocus
              aria-describedby={describedBy}
              onChange={(e) => set('name', e.target.value)}
            />
          )}
        </Field>
        <ExpiryField form={form} set={set} editing={editing} />
        <ModelPicker value={form.models} onChange={(v) => set('models', v)} />
        <details className="disclosure">
          <summary>
            Permissions and limits <span className="muted small">{permissionsSummary(form)}</span>
          </summary>
          <PermissionsFields form={form} set={set} />
        </details>
        <ErrorText error={submitAction.error} />
      </form>
    </Dialog>
  )
}

function ExpiryField({
  form,
  set,
  editing,
}: {
  form: FormState
  set: SetField
  editing: KeyView | undefined
}) {
  const choices = form.guest ? GUEST_EXPIRY : EXPIRY
  const keep = editing
    ? [
        {
          value: KEEP_EXPIRY,
          label: editing.expiresAt ? `Keep: ${formatDate(editing.expiresAt)}` : 'Keep: never',
        },
      ]
    : []
  return (
    <Field label="Expires" hint={form.guest ? 'A guest key lives 30 days at most.' : undefined}>
      {({ id, describedBy }) => (
        <select
          id={id}
          className="input"
          value={form.expires}
          aria-describedby={describedBy}
          onChange={(e) => set('expires', e.target.value)}
        >
          {[...keep, ...choices].map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  )
}
