// The Ollama `options` a key may set as defaults for its requests: the names and
// types Ollama's api.Options and api.Runner read (docs/api.md, "Generate request
// (With options)"; api/types.go). Ollama ignores a name it does not know, so a
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
  num_thread: Type.Integer({ minimum: 0 }),
  numa: Bool(),
  low_vram: Bool(),
  vocab_only: Bool(),
  use_mmap: Bool(),
  use_mlock: Bool(),
  // Sampling and prediction: per request.
  num_keep: Int(),
  seed: Int(),
  num_predict: Int(),
  top_k: Int(),
  top_p: Num(),
  min_p: Num(),
  typical_p: Num(),
  tfs_z: Num(),
  repeat_last_n: Int(),
  temperature: Num(),
  repeat_penalty: Num(),
  presence_penalty: Num(),
  frequency_penalty: Num(),
  mirostat: Type.Integer({ minimum: 0, maximum: 2 }),
  mirostat_tau: Num(),
  mirostat_eta: Num(),
  penalize_newline: Bool(),
  stop: Type.Array(Type.String(), { maxItems: 16 }),
} satisfies Record<string, TSchema>

export type OllamaOptionName = keyof typeof OPTION_TYPES
export const OLLAMA_OPTION_NAMES = Object.keys(OPTION_TYPES) as OllamaOptionName[]

export const OllamaOptionsSchema = Type.Partial(Type.Object(OPTION_TYPES), {
  additionalProperties: false,
  default: {},
})
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
