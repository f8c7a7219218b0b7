// A key's model options: Ollama `options` filled in where an app sends none, and a
// ceiling on keep_alive. The server checks names and types against Ollama's own
// list and answers in words; this form only turns the rows into JSON.
import type { KeyPatch, ModelOptions } from '../api/types.js'
import { Field } from '../components/controls.js'

export interface OptionRow {
  name: string
  value: string
}

export interface ModelOptionsState {
  rows: OptionRow[]
  /** `30m`, `1h`, seconds as digits, or '' for no cap. */
  keepAliveMax: string
}

/** The options people set most, offered as suggestions (any name Ollama knows is accepted). */
const COMMON = ['num_ctx', 'temperature', 'top_p', 'top_k', 'seed', 'num_predict', 'stop']

const KEEP_ALIVE = [
  { value: '', label: 'No cap' },
  { value: '1m', label: '1 minute' },
  { value: '5m', label: '5 minutes' },
  { value: '30m', label: '30 minutes' },
  { value: '1h', label: '1 hour' },
  { value: '4h', label: '4 hours' },
]

export const NO_MODEL_OPTIONS: ModelOptionsState = { rows: [], keepAliveMax: '' }

export function modelOptionsStateOf(
  options: ModelOptions,
  keepAliveMaxSeconds: number | null,
): ModelOptionsState {
  return {
    rows: Object.entries(options).map(([name, v]) => ({
      name,
      value: Array.isArray(v) && v.length === 1 ? String(v[0]) : JSON.stringify(v),
    })),
    keepAliveMax: keepAliveMaxSeconds === null ? '' : keepAliveText(keepAliveMaxSeconds),
  }
}

function keepAliveText(seconds: number): string {
  const known = { 60: '1m', 300: '5m', 1800: '30m', 3600: '1h', 14_400: '4h' }[seconds]
  return known ?? String(seconds)
}

/** A value as typed: JSON when it reads as JSON (8192, 0.2, true, ["a"]), else text. */
function valueOf(name: string, text: string): ModelOptions[string] {
  let value: unknown = text
  try {
    value = JSON.parse(text)
  } catch {
    // Plain text.
  }
  // `stop` is a list; one stop word typed as text is a list of one.
  if (name === 'stop' && !Array.isArray(value)) return [String(value)]
  return value as ModelOptions[string]
}

/** The rows with a name, as the API's `options`. */
export function optionsOf(state: ModelOptionsState): ModelOptions {
  const out: ModelOptions = {}
  for (const row of state.rows) {
    const name = row.name.trim()
    if (name !== '' && row.value.trim() !== '') out[name] = valueOf(name, row.value.trim())
  }
  return out
}

/** What changed, as a merge patch: names that went away are sent as null. */
export function modelOptionsPatch(
  before: ModelOptions,
  beforeKeepAlive: number | null,
  state: ModelOptionsState,
): Pick<KeyPatch, 'options' | 'keepAliveMax'> {
  const after = optionsOf(state)
  const options: NonNullable<KeyPatch['options']> = {}
  for (const name of Object.keys(before)) if (!(name in after)) options[name] = null
  for (const [name, v] of Object.entries(after)) {
    if (JSON.stringify(before[name]) !== JSON.stringify(v)) options[name] = v
  }
  const patch: Pick<KeyPatch, 'options' | 'keepAliveMax'> = {}
  if (Object.keys(options).length > 0) patch.options = options
  const keepAlive = state.keepAliveMax.trim()
  const wasKeepAlive = beforeKeepAlive === null ? '' : keepAliveText(beforeKeepAlive)
  if (keepAlive !== wasKeepAlive) patch.keepAliveMax = keepAlive === '' ? null : keepAlive
  return patch
}

export function ModelOptionsFields({
  state,
  onChange,
}: {
  state: ModelOptionsState
  onChange: (next: ModelOptionsState) => void
}) {
  const setRow = (i: number, row: OptionRow) =>
    onChange({ ...state, rows: state.rows.map((r, j) => (j === i ? row : r)) })
  const keepAliveChoices = KEEP_ALIVE.some((o) => o.value === state.keepAliveMax)
    ? KEEP_ALIVE
    : [...KEEP_ALIVE, { value: state.keepAliveMax, label: `${state.keepAliveMax} s` }]
  return (
    <fieldset className="fieldset">
      <legend className="field-label">Model options</legend>
      <p className="field-hint">
        Ollama options used where the app sends none (the app’s own values always win), e.g. num_ctx
        8192 or temperature 0.2. OpenAI-style apps get temperature, top_p, seed and stop.
      </p>
      <datalist id="model-option-names">
        {COMMON.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      {state.rows.map((row, i) => (
        <div className="option-row" key={i}>
          <Field label="Option">
            {({ id }) => (
              <input
                id={id}
                className="input mono"
                list="model-option-names"
                value={row.name}
                placeholder="num_ctx"
                onChange={(e) => setRow(i, { ...row, name: e.target.value })}
              />
            )}
          </Field>
          <Field label="Value">
            {({ id }) => (
              <input
                id={id}
                className="input mono"
                value={row.value}
                placeholder="8192"
                onChange={(e) => setRow(i, { ...row, value: e.target.value })}
              />
            )}
          </Field>
          <button
            type="button"
            className="btn btn-ghost btn-sm"
            aria-label={`Remove option ${row.name || i + 1}`}
            onClick={() => onChange({ ...state, rows: state.rows.filter((_, j) => j !== i) })}
          >
            Remove
          </button>
        </div>
      ))}
      <div className="row">
        <button
          type="button"
          className="btn btn-secondary btn-sm"
          onClick={() => onChange({ ...state, rows: [...state.rows, { name: '', value: '' }] })}
        >
          Add option
        </button>
      </div>
      <Field
        label="Longest keep-alive"
        hint="How long a request may keep its model in memory (keep_alive -1 is lowered to this)."
      >
        {({ id, describedBy }) => (
          <select
            id={id}
            className="input"
            value={state.keepAliveMax}
            aria-describedby={describedBy}
            onChange={(e) => onChange({ ...state, keepAliveMax: e.target.value })}
          >
            {keepAliveChoices.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        )}
      </Field>
    </fieldset>
  )
}
