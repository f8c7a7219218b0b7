// Which models a key may use: the models the backends have, as boxes to tick, and a line for
// names they do not have yet or `family:*` patterns. Nothing ticked and nothing typed: every
// model, including ones pulled later.
import { useMemo, useState } from 'react'
import { useApi } from '../api/context.js'
import { useResource } from '../hooks/use-resource.js'
import { Field } from '../components/controls.js'
import { modelList } from './key-form.js'

export function ModelPicker({
  value,
  onChange,
}: {
  /** Names and patterns, comma-separated (the form's `models`). */
  value: string
  onChange: (models: string) => void
}) {
  const api = useApi()
  const backends = useResource(() => api.backends(), [api])
  const known = useMemo(() => {
    const names = new Set<string>()
    for (const b of backends.data?.backends ?? [])
      if (b.enabled) b.models.forEach((m) => names.add(m))
    return [...names].sort((a, b) => a.localeCompare(b))
  }, [backends.data])
  const picked = modelList(value)
  const ticked = picked.filter((m) => known.includes(m))
  // What is typed in the line (kept as typed); set once the backends' list is known.
  const [others, setOthers] = useState<string | null>(null)
  const settled = !backends.loading
  const othersText = others ?? (settled ? picked.filter((m) => !known.includes(m)).join(', ') : '')
  const emit = (nextTicked: string[], nextOthers: string) =>
    onChange([...nextTicked, ...modelList(nextOthers)].join(', '))
  const toggle = (m: string, on: boolean) =>
    emit(
      known.filter((k) => (k === m ? on : ticked.includes(k))),
      othersText,
    )
  const every = picked.length === 0
  return (
    <fieldset className="fieldset model-picker">
      <legend className="field-label">Models</legend>
      <p className="field-hint" aria-live="polite">
        {every
          ? 'Every model, also those pulled later. Tick some to allow only those.'
          : `Only ${picked.length === 1 ? 'this model' : `these ${picked.length}`}: ${picked.join(', ')}.`}
      </p>
      {!settled ? (
        <p className="field-hint">Loading the backends’ models…</p>
      ) : known.length === 0 ? (
        <p className="field-hint">
          {backends.error ?? 'No backend lists a model yet.'} Type names below.
        </p>
      ) : (
        <div className="model-picker-list">
          {known.map((m) => (
            <label key={m} className="check">
              <input
                type="checkbox"
                checked={ticked.includes(m)}
                onChange={(e) => toggle(m, e.target.checked)}
              />
              <span className="mono">{m}</span>
            </label>
          ))}
        </div>
      )}
      <Field label="Other names or patterns" hint="Comma-separated; qwen2.5:* allows a family.">
        {({ id, describedBy }) => (
          <input
            id={id}
            className="input mono"
            value={othersText}
            disabled={!settled}
            placeholder="qwen2.5:*"
            aria-describedby={describedBy}
            onChange={(e) => {
              setOthers(e.target.value)
              emit(ticked, e.target.value)
            }}
          />
        )}
      </Field>
    </fieldset>
  )
}
