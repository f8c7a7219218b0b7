// Create a key (the Keys view's "New key" and "Add a guest", the Share view's and the
// tray's "Add a device"), then show it once with a QR code that opens the connect page.
import { useState, type FormEvent } from 'react'
import { useApi } from '../api/context.js'
import type { CreatedKey, KeyInput, Limits, Scope } from '../api/types.js'
import { useAction } from '../hooks/use-resource.js'
import { Banner, ErrorText, Field, Segmented } from '../components/controls.js'
import { Dialog } from '../components/dialog.js'
import { formatDate } from '../format.js'
import { KeyReveal } from './key-reveal.js'
import { AdvancedFields } from './key-fields.js'
import { NO_MODEL_OPTIONS, optionsOf, type ModelOptionsState } from './model-options-fields.js'

const EXPIRY = [
  { value: '', label: 'Never' },
  { value: '1d', label: 'In 1 day' },
  { value: '7d', label: 'In 7 days' },
  { value: '30d', label: 'In 30 days' },
  { value: '90d', label: 'In 90 days' },
]

/** A guest key always expires; a day unless chosen otherwise. */
const GUEST_EXPIRY = [
  { value: '1h', label: 'In 1 hour' },
  { value: '2h', label: 'In 2 hours' },
  { value: '8h', label: 'In 8 hours' },
  { value: '24h', label: 'In 24 hours' },
  { value: '3d', label: 'In 3 days' },
  { value: '7d', label: 'In 7 days' },
]
const GUEST_DEFAULT_EXPIRY = '24h'

export interface FormState {
  name: string
  scopes: Scope[]
  models: string
  requests: string
  windowSeconds: number
  tokensPerMinute: string
  concurrency: string
  maxOutputTokens: string
  expires: string
  /** A guest key: inference only, expires, bound to its first device's network. */
  guest: boolean
  subnet: string
  modelOptions: ModelOptionsState
}

/** The form's state as the API wants it: blank limits are left to the defaults. */
export function keyInputOf(f: FormState): KeyInput {
  const limits: Partial<Limits> = {}
  const num = (s: string) => (s.trim() === '' ? null : Number(s))
  const requests = num(f.requests)
  if (requests !== null) {
    limits.requests = requests
    limits.windowSeconds = f.windowSeconds
  }
  const tpm = num(f.tokensPerMinute)
  if (tpm !== null) limits.tokensPerMinute = tpm
  const concurrency = num(f.concurrency)
  if (concurrency !== null) limits.concurrency = concurrency
  const maxOut = num(f.maxOutputTokens)
  if (maxOut !== null) limits.maxOutputTokens = maxOut
  const models = f.models
    .split(/[\s,]+/)
    .map((m) => m.trim())
    .filter(Boolean)
  const options = optionsOf(f.modelOptions)
  const name = f.name.trim()
  return {
    // A guest may stay unnamed: Corral names it after the time it was made.
    ...(name !== '' || !f.guest ? { name } : {}),
    ...(f.guest ? { guest: true } : { scopes: f.scopes }),
    ...(models.length > 0 ? { models } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    expires: f.expires || null,
    ...(f.subnet.trim() !== '' ? { subnet: f.subnet.trim() } : {}),
    ...(Object.keys(options).length > 0 ? { options } : {}),
    ...(f.modelOptions.keepAliveMax !== '' ? { keepAliveMax: f.modelOptions.keepAliveMax } : {}),
  }
}

export function KeyDialog({
  title,
  simple = false,
  guest = false,
  defaultName = '',
  sharing,
  onClose,
  onCreated,
}: {
  title: string
  /** Only the name and expiry up front (the "Add a device" flow); the rest folded away. */
  simple?: boolean
  /** Start as a guest key ("Add a guest"). */
  guest?: boolean
  defaultName?: string
  /** Whether the LAN listener runs (the QR code's link works only then). */
  sharing: boolean
  onClose: () => void
  onCreated?: (key: CreatedKey) => void
}) {
  const api = useApi()
  const [created, setCreated] = useState<CreatedKey | null>(null)
  const [form, setForm] = useState<FormState>({
    name: defaultName,
    scopes: ['inference'],
    models: '',
    requests: '',
    windowSeconds: 60,
    tokensPerMinute: '',
    concurrency: '',
    maxOutputTokens: '',
    expires: guest ? GUEST_DEFAULT_EXPIRY : '',
    guest,
    subnet: '',
    modelOptions: NO_MODEL_OPTIONS,
  })
  const create = useAction(async () => {
    const key = await api.createKey(keyInputOf(form))
    setCreated(key)
    onCreated?.(key)
  })
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) =>
    setForm((f) => ({ ...f, [k]: v }))
  const submit = (e: FormEvent) => {
    e.preventDefault()
    void create.run()
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
  return (
    <Dialog
      title={title}
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
            disabled={create.busy || nameMissing}
          >
            {create.busy ? 'Creating…' : form.guest ? 'Create guest key' : 'Create key'}
          </button>
        </>
      }
    >
      <form id="key-form" className="stack" onSubmit={submit}>
        {simple ? (
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
        {form.guest ? (
          <p className="field-hint">
            A guest key can chat and generate only, stops working by itself, and works only from the
            network of the device that first uses it.
          </p>
        ) : null}
        <Field
          label="Name"
          hint={
            form.guest
              ? 'Optional: who it is for, to find them in the stats.'
              : 'Who or what uses it, e.g. “Sam’s phone” or “CI runner”.'
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
        <Field label="Expires">
          {({ id }) => (
            <select
              id={id}
              className="input"
              value={form.expires}
              onChange={(e) => set('expires', e.target.value)}
            >
              {(form.guest ? GUEST_EXPIRY : EXPIRY).map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {simple ? (
          <details className="disclosure">
            <summary>Permissions and limits</summary>
            <AdvancedFields form={form} set={set} />
          </details>
        ) : (
          <AdvancedFields form={form} set={set} />
        )}
        <ErrorText error={create.error} />
      </form>
    </Dialog>
  )
}
