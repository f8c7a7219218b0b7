// What `/api/create` builds a model from, checked for a key limited to some models: such a
// key must not make a model it may not use out of one it may not use. Ollama builds from
// `from` (a model name), `files`/`draft_files`/`adapters` (blob digests) and, before 0.5.5,
// the Modelfile text in `modelfile`, which it parsed itself (FROM a model, a file or a blob;
// ADAPTER; DRAFT). Names are checked against the key's list; blobs and files cannot be (a
// digest says nothing of the model it came from), so they are refused for such keys.
import { CorralError } from '../errors.js'
import { parseModelfile, ModelfileError } from './modelfile.js'

/** The fields of ollama api/types.go CreateRequest that hold blob digests. */
const BLOB_FIELDS = ['files', 'draft_files', 'adapters'] as const

/**
 * Throws CORRAL_ERR_MODEL (403) when a create request of a model-limited key builds from
 * anything but models the key may use; CORRAL_ERR_BAD_REQUEST for a Modelfile Ollama could
 * not read either. `allowed` is the key's model check.
 */
export function checkCreate(body: Record<string, unknown>, allowed: (model: string) => boolean) {
  // A blank name passes only a key with no model list (or `*`): nothing to check then.
  if (allowed('')) return
  if (body.from !== undefined) {
    if (typeof body.from !== 'string') throw badRequest('"from" must be a model name')
    if (body.from !== '') checkBase(body.from, allowed)
  }
  if (typeof body.remote_host === 'string' && body.remote_host !== '') {
    throw refused('a create with "remote_host" makes a model from another server')
  }
  for (const field of BLOB_FIELDS) {
    const value = body[field]
    if (value !== undefined && value !== null && (typeof value !== 'object' || hasAny(value))) {
      throw refused(`a create from "${field}" (blob digests) cannot be checked against its models`)
    }
  }
  if (body.modelfile === undefined) return
  if (typeof body.modelfile !== 'string') throw badRequest('"modelfile" must be text')
  let commands
  try {
    commands = parseModelfile(body.modelfile)
  } catch (err) {
    if (err instanceof ModelfileError) throw badRequest(`modelfile: ${err.message}`)
    throw err
  }
  for (const c of commands) {
    if (c.name === 'model') checkBase(c.args, allowed)
    else if (c.name === 'adapter' || c.name === 'draft') {
      throw refused(`a Modelfile with ${c.name.toUpperCase()} builds from files or blobs`)
    }
  }
}

/** A base model by name; a file path or a blob (`@sha256:...`) is never one the key may use. */
function checkBase(name: string, allowed: (model: string) => boolean): void {
  const shown = JSON.stringify(name.slice(0, 200))
  if (/^[./~\\@]|^[A-Za-z]:[\\/]|\.(gguf|safetensors|bin)$/i.test(name)) {
    throw refused(`FROM ${shown} is a file or a blob, not a model`)
  }
  if (!allowed(name)) {
    throw new CorralError('CORRAL_ERR_MODEL', { message: `this key may not use model ${shown}` })
  }
}

function hasAny(value: object): boolean {
  return Object.keys(value).length > 0
}

function refused(what: string): CorralError {
  return new CorralError('CORRAL_ERR_MODEL', {
    message: `this key may use only some models, and ${what}: create from one of its models by name ("from")`,
  })
}

function badRequest(message: string): CorralError {
  return new CorralError('CORRAL_ERR_BAD_REQUEST', { message })
}
