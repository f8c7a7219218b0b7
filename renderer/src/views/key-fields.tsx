// A key's permissions and limits (folded away in the key dialog): what it may do, its request,
// token and concurrency limits, the network it works from, and its model options.
import { SCOPES, type Scope } from '../api/types.js'
import { Field } from '../components/controls.js'
import type { FormState, SetField } from './key-form.js'
import { ModelOptionsFields } from './model-options-fields.js'

/** Each scope named for what it allows. */
export const SCOPE_TEXT: Record<Scope, { title: string; hint: string }> = {
  inference: {
    title: 'May chat and use models',
    hint: 'Chat, generate, embeddings and the model list',
  },
  models: { title: 'May pull and delete models', hint: 'Also push, copy and create models' },
  metrics: { title: 'May read the metrics', hint: 'The Prometheus /metrics page' },
  admin: { title: 'May use /config endpoints', hint: 'The Go gateway’s reload and new-key' },
}

const WINDOWS = [
  { value: 60, label: 'per minute' },
  { value: 3600, label: 'per hour' },
  { value: 86_400, label: 'per day' },
]

export function PermissionsFields({ form, set }: { form: FormState; set: SetField }) {
  const toggleScope = (s: Scope, on: boolean) =>
    set('scopes', on ? [...form.scopes, s] : form.scopes.filter((x) => x !== s))
  const number = (
    k: 'requests' | 'tokensPerMinute' | 'concurrency' | 'maxOutputTokens',
    label: string,
  ) => (
    <Field label={label}>
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
      {form.guest ? (
        <p className="field-hint">A guest key may chat and use models only.</p>
      ) : (
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
                <span className="check-title">{SCOPE_TEXT[s].title}</span>
                <span className="check-hint">{SCOPE_TEXT[s].hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
      <fieldset className="fieldset">
        <legend className="field-label">Limits</legend>
        <p className="field-hint">Blank: the default limits from Settings.</p>
        <div className="limits-grid">
          {number('requests', 'Requests')}
          <Field label="Per">
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
          {number('tokensPerMinute', 'Tokens a minute')}
          {number('concurrency', 'At once')}
          {number('maxOutputTokens', 'Longest answer')}
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

/** "May chat · 60/min", for the folded section's summary line. */
export function permissionsSummary(form: FormState): string {
  const parts = [
    form.guest
      ? 'chat only'
      : form.scopes.map((s) => SCOPE_TEXT[s].title.replace(/^May /, '')).join(', ') || 'nothing',
  ]
  const limits = [
    form.requests && `${form.requests} requests`,
    form.tokensPerMinute && `${form.tokensPerMinute} tokens/min`,
    form.concurrency && `${form.concurrency} at once`,
  ].filter(Boolean)
  parts.push(limits.length > 0 ? limits.join(', ') : 'default limits')
  if (form.subnet.trim()) parts.push(`from ${form.subnet.trim()}`)
  return parts.join(' · ')
}
