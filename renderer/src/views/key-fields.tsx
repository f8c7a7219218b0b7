// The permissions and limits of a key (the key dialog's "advanced" part): scopes,
// models, the request, token and concurrency limits, and the model options.
import { SCOPES, type Scope } from '../api/types.js'
import { Field } from '../components/controls.js'
import type { FormState } from './key-dialog.js'
import { ModelOptionsFields } from './model-options-fields.js'

const SCOPE_TEXT: Record<Scope, string> = {
  inference: 'Chat, generate, embeddings and the model list',
  models: 'Pull, push, copy and delete models',
  metrics: 'Read the Prometheus metrics',
  admin: "The Go gateway's /config endpoints",
}

const WINDOWS = [
  { value: 60, label: 'per minute' },
  { value: 3600, label: 'per hour' },
  { value: 86_400, label: 'per day' },
]

export function AdvancedFields({
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
      {form.guest ? null : (
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
      )}
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
      <Field
        label="Network"
        hint={
          form.guest
            ? 'Blank: the network of the first device that uses it (its /24, or /64 for IPv6).'
            : 'Blank: anywhere the access list allows. A CIDR such as 192.168.1.0/24 limits it.'
        }
      >
        {({ id, describedBy }) => (
          <input
            id={id}
            className="input mono"
            value={form.subnet}
            placeholder={form.guest ? 'Their network' : 'Anywhere'}
            aria-describedby={describedBy}
            onChange={(e) => set('subnet', e.target.value)}
          />
        )}
      </Field>
      <ModelOptionsFields state={form.modelOptions} onChange={(v) => set('modelOptions', v)} />
    </div>
  )
}
