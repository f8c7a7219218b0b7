// Settings that arrive as environment variables: Corral's own (`CORRAL_API_KEYS`,
// `CORRAL_BACKENDS`, `CORRAL_PORT`, `CORRAL_PULL`) and the one-token Docker image's
// (`AUTH_TOKEN`, `OLLAMA_MODEL`), from the process or from a `.env` file.
import { addBackend } from './backend-url.js'
import { addKey } from './keys.js'
import { setSetting } from './settings.js'
import { emptyPlan, ENVIRONMENT_FILE, note, type ImportPlan, type SourceLocation } from './types.js'

/** The variables an env plan reads; anything else is left alone. */
export const ENV_VARIABLES = [
  'CORRAL_API_KEYS',
  'CORRAL_BACKENDS',
  'CORRAL_PORT',
  'CORRAL_PULL',
  'AUTH_TOKEN',
  'OLLAMA_MODEL',
] as const

/** Where the variables came from; `lines` maps a variable to its line in a `.env` file. */
export interface EnvOrigin {
  file: string
  lines?: Readonly<Record<string, number>>
}

/** The port the one-token Docker image served on. */
const DOCKER_IMAGE_PORT = 7860

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/**
 * A plan from environment variables. Keys are taken as they are (no `crl_` prefix needed);
 * `AUTH_TOKEN` and `OLLAMA_MODEL` are read as aliases of a key and a model to pull.
 */
export function planFromEnv(
  env: NodeJS.ProcessEnv,
  origin: EnvOrigin = { file: ENVIRONMENT_FILE },
): ImportPlan {
  const plan = emptyPlan()
  const at = (name: string): SourceLocation => {
    const line = origin.lines?.[name]
    return line === undefined ? { file: origin.file } : { file: origin.file, line }
  }
  const get = (name: (typeof ENV_VARIABLES)[number]): string | undefined => {
    const value = env[name]
    if (value === undefined) return undefined
    if (value.trim() !== '') return value
    note(plan, 'info', at(name), `${name} is empty; ignored`)
    return undefined
  }
  const keys = get('CORRAL_API_KEYS')
  if (keys !== undefined) for (const k of list(keys)) addKey(plan, k, 'env', at('CORRAL_API_KEYS'))
  const token = get('AUTH_TOKEN')
  if (token !== undefined) {
    const before = plan.keys.length
    addKey(plan, token.trim(), 'env', at('AUTH_TOKEN'))
    if (plan.keys.length > before) {
      note(
        plan,
        'info',
        at('AUTH_TOKEN'),
        "AUTH_TOKEN (the one-token Docker image's key) imported as a key; clients keep sending it as Authorization: Bearer",
      )
    }
  }
  const backends = get('CORRAL_BACKENDS')
  if (backends !== undefined) {
    for (const b of list(backends)) addBackend(plan, b, 'env', at('CORRAL_BACKENDS'))
  }
  const port = get('CORRAL_PORT')
  if (port !== undefined) {
    const n = /^\d+$/.test(port.trim()) ? Number(port.trim()) : port
    setSetting(plan, 'server.port', n as number, at('CORRAL_PORT'), 'CORRAL_PORT')
  } else if (token !== undefined) {
    note(
      plan,
      'info',
      at('AUTH_TOKEN'),
      `the Docker image was usually published on port ${DOCKER_IMAGE_PORT}; Corral listens on 11435 unless you set the port, so update clients or set CORRAL_PORT=${DOCKER_IMAGE_PORT}`,
    )
  }
  ensureModels(plan, get('CORRAL_PULL'), get('OLLAMA_MODEL'), at)
  return plan
}

function ensureModels(
  plan: ImportPlan,
  pull: string | undefined,
  alias: string | undefined,
  at: (name: string) => SourceLocation,
): void {
  const models: string[] = []
  const take = (name: string, value: string): void => {
    for (const model of list(value)) {
      if (/\s/.test(model))
        note(plan, 'warn', at(name), `model "${model}" contains whitespace; skipped`)
      else if (!models.includes(model)) models.push(model)
    }
  }
  if (pull !== undefined) take('CORRAL_PULL', pull)
  if (alias !== undefined) {
    take('OLLAMA_MODEL', alias)
    note(
      plan,
      'info',
      at('OLLAMA_MODEL'),
      `OLLAMA_MODEL (the one-token Docker image's model) added to the models Corral makes sure are present: ${alias.trim()}`,
    )
  }
  if (models.length === 0) return
  const where = at(pull !== undefined ? 'CORRAL_PULL' : 'OLLAMA_MODEL')
  setSetting(
    plan,
    'ensureModels',
    models.map((model) => ({ model, backends: [] })),
    where,
  )
}
