// Create a key (the Keys view's "New key" and the Share view's "Add a device"),
// then show it once with a QR code that opens the connect page on a phone.
import { useState, type FormEvent } from 'react'
import { useApi } from '../api/context.js'
import { SCOPES, type CreatedKey, type KeyInput, type Limits, type Scope } from '../api/types.js'
import { useAction } from '../hooks/use-resource.js'
import { ErrorText, Field } from '../components/controls.js'
import { Dialog } from '../components/dialog.js'
import { KeyReveal } from './key-reveal.js'

const SCOPE_TEXT: Record<Scope, string> = {
  inference: 'Chat, generate, embeddings and the model list',
  models: 'Pull, push, copy and delete models',
  metrics: 'Read the Prometheus metrics',
  admin: "The Go gateway's /config endpoints",
}

const EXPIRY = [
  { value: '', label: 'Never' },
  { value: '1d', label: 'In 1 day' },
  { value: '7d', label: 'In 7 days' },
  { value: '30d', label: 'In 30 days' },
  { value: '90d', label: 'In 90 days' },
]

const WINDOWS = [
  { value: 60, label: 'per minute' },
  { value: 3600, label: 'per hour' },
  { value: 86_400, label: 'per day' },
]

interface FormState {
  name: string
  scopes: Scope[]
  models: string
  requests: string
  windowSeconds: number
  tokensPerMinute: string
  concurrency: string
  maxOutputTokens: string
  expires: string
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
  return {
    name: f.name.trim(),
    scopes: f.scopes,
    ...(models.length > 0 ? { models } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    expires: f.expires || null,
  }
}

export function KeyDialog({
  title,
  simple = false,
  defaultName = '',
  sharing,
  onClose,
  onCreated,
}: {
  title: string
  /** Only the name and expiry up front (the "Add a device" flow); the rest folded away. */
  simple?: boolean
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
    expires: '',
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
        <KeyReveal created={created} sharing={sharing} />
      </Dialog>
    )
  }

  const nameMissing = form.name.trim() === ''
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
            {create.busy ? 'Creating…' : 'Create key'}
          </button>
        </>
      }
    >
      <form id="key-form" className="stack" onSubmit={submit}>
        <Field label="Name" hint="Who or what uses it, e.g. “Sam’s phone” or “CI runner”.">
          {({ id, describedBy }) => (
            <input
              id={id}
              className="input"
              value={form.name}
              maxLength={100}
              required
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
              {EXPIRY.map((o) => (
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

function AdvancedFields({
  form,
  set,
}: {
  form: FormState
  set: <K extends keyof FormState>(k: K, v: FormState[K]) => void
}) {
  const toggleScope = (s: Scope, on: boolean) =>
    set('scopes', on ? [...form.scopes, s] : form.scopes.filter((x) => x !== s))
  const number = (
    k: 'requests' | 'tokensPerMinute' | 'concurrency' | 'maxOutputTokens',
    label: string,
    hint?: string,
  ) => (
    <Field label={label} hint={hint}>
      {({ id, describedBy }) => (
        <input
          id={id}
          className="input"
          type="number"
          min={1}
          inputMode="numeric"
          placeholder="Default"
          value={form[k]}
          aria-describedby={describedBy}
          onChange={(e) => set(k, e.target.value)}
        />
      )}
    </Field>
  )
  return (
    <div className="stack">
      <fieldset className="fieldset">
        <legend className="field-label">What it may do</legend>
        {SCOPES.map((s) => (
          <label key={s} className="check">
            <input
              type="checkbox"
              checked={form.scopes.includes(s)}
              onChange={(e) => toggleScope(s, e.target.checked)}
            />
            <span>
              <span className="check-title">{s}</span>
              <span className="check-hint">{SCOPE_TEXT[s]}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <Field
        label="Models"
        hint="Leave empty for every model. Separate with commas; qwen2.5:* allows a family."
      >
        {({ id, describedBy }) => (
          <input
            id={id}
            className="input mono"
            value={form.models}
            placeholder="All models"
            aria-describedby={describedBy}
            onChange={(e) => set('models', e.target.value)}
          />
        )}
      </Field>
      <fieldset className="fieldset">
        <legend className="field-label">Limits (blank: the default limits from Settings)</legend>
        <div className="grid-2">
          <div className="inline-fields">
            {number('requests', 'Requests')}
            <Field label="Window">
              {({ id }) => (
                <select
                  id={id}
                  className="input"
                  value={form.windowSeconds}
                  onChange={(e) => set('windowSeconds', Number(e.target.value))}
                >
                  {WINDOWS.map((w) => (
                    <option key={w.value} value={w.value}>
                      {w.label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          {number('tokensPerMinute', 'Tokens per minute')}
          {number('concurrency', 'Requests at once')}
          {number('maxOutputTokens', 'Longest answer (tokens)')}
        </div>
      </fieldset>
    </div>
  )
}
