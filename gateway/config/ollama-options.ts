// The Ollama `options` a key may set as defaults for its requests: the names and
// types Ollama v0.33's api.Options and api.Runner read (ollama api/types.go). Ollama
// ignores a name it does not know (Options.FromMap logs "invalid option provided"), so a
// typo would silently do nothing: names outside this table are refused instead.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const Int = () => Type.Integer()
const Num = () => Type.Number()
const Bool = () => Type.Boolean()

/** Every option by name, with its JSON type as Ollama decodes it. */
const OPTION_TYPES = {
  // Runner: fixed when the model is loaded.
  num_ctx: Type.Integer({ minimum: 1 }),
  num_batch: Type.Integer({ minimum: 1 }),
  num_gpu: Int(),
  main_gpu: Type.Integer({ minimum: 0 }),
  use_mmap: Bool(),
  num_thread: Type.Integer({ minimum: 0 }),
  draft_num_predict: Type.Integer({ minimum: 0 }),
  // Sampling and prediction: per request.
  num_keep: Int(),
  seed: Int(),
  num_predict: Int(),
  top_k: Int(),
  top_p: Num(),
  min_p: Num(),
  typical_p: Num(),
  repeat_last_n: Int(),
  temperature: Num(),
  repeat_penalty: Num(),
  presence_penalty: Num(),
  frequency_penalty: Num(),
  stop: Type.Array(Type.String(), { maxItems: 16 }),
} satisfies Record<string, TSchema>

/**
 * Options older Ollamas read and v0.33 no longer does (api/types.go dropped them). A config
 * saved before still loads with them; they are never sent to Ollama (key-options/merge.ts),
 * not shown by the control API, and refused when set anew.
 */
const LEGACY_OPTION_TYPES = {
  numa: Bool(),
  low_vram: Bool(),
  vocab_only: Bool(),
  use_mlock: Bool(),
  tfs_z: Num(),
  mirostat: Type.Integer({ minimum: 0, maximum: 2 }),
  mirostat_tau: Num(),
  mirostat_eta: Num(),
  penalize_newline: Bool(),
} satisfies Record<string, TSchema>

export const LEGACY_OPTION_NAMES: ReadonlySet<string> = new Set(Object.keys(LEGACY_OPTION_TYPES))

export type OllamaOptionName = keyof typeof OPTION_TYPES
export const OLLAMA_OPTION_NAMES = Object.keys(OPTION_TYPES) as OllamaOptionName[]

/** As stored in config.json: today's options, and the legacy ones a saved config may hold. */
export const OllamaOptionsSchema = Type.Partial(
  Type.Object({ ...OPTION_TYPES, ...LEGACY_OPTION_TYPES }),
  { additionalProperties: false, default: {} },
)
export type OllamaOptions = Static<typeof OllamaOptionsSchema>
/** The same without a default, for the control API's documented answers. */
export const OllamaOptionsView = Type.Partial(Type.Object(OPTION_TYPES), {
  additionalProperties: false,
})

/** A value as a person would read its type: "a whole number", "a list of strings". */
function typeText(schema: TSchema): string {
  switch (schema.type) {
    case 'integer':
      return 'a whole number'
    case 'number':
      return 'a number'
    case 'boolean':
      return 'true or false'
    default:
      return 'a list of strings'
  }
}

/**
 * Checks one option against Ollama's table; null when it is fine, else a message for people
 * that names the option and what it takes.
 */
export function checkOllamaOption(name: string, value: unknown): string | null {
  if (LEGACY_OPTION_NAMES.has(name)) {
    return `Ollama 0.33 no longer reads option "${name}" (it would be ignored): leave it out`
  }
  const schema = (OPTION_TYPES as Record<string, TSchema>)[name]
  if (schema === undefined) {
    return `Ollama has no option "${name.slice(0, 40)}" (known: ${OLLAMA_OPTION_NAMES.join(', ')})`
  }
  if (Value.Check(schema, value)) return null
  const first = [...Value.Errors(schema, value)][0]
  const detail =
    first && first.message && !/^Expected (integer|number|boolean|array)$/.test(first.message)
      ? ` (${first.message.toLowerCase()})`
      : ''
  return `option "${name}" must be ${typeText(schema)}${detail}`
}
