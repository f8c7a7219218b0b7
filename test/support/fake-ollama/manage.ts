// Ollama's native API: model management (server/routes.go, server/images.go).
import type { Ctx, FakeModel, FakeState, Frame, Handler, Json } from './types.js'
import { jsonBody, ollamaError, sendEmpty, sendJson } from './respond.js'
import { modelKey, shortName } from './names.js'
import { addModel, digestOf, guessFamily, pace, sha256, sizeOf, str } from './util.js'

/** NDJSON status frames ending in `success` (or one `{"status":"success"}` with stream:false). */
export async function progress(
  s: FakeState,
  c: Ctx,
  stream: unknown,
  frames: Frame[],
  onSuccess: () => void,
): Promise<void> {
  if (stream === false) {
    if (!(await s.wait(c, pace(s, frames.length)))) return
    onSuccess()
    return sendJson(c, 200, { status: 'success' })
  }
  await s.stream(c, {
    sse: false,
    count: frames.length,
    frame: (i) => ({ ...frames[i] }),
    tail: () => {
      onSuccess()
      return [{ status: 'success' }]
    },
  })
}

export function layerFrames(verb: string, m: FakeModel): Frame[] {
  const digest = `sha256:${digestOf(m)}`
  const total = sizeOf(m)
  const status = `${verb} ${digest.slice(7, 19)}`
  return [0, Math.floor(total / 2), total].map((completed) => ({
    status,
    digest,
    total,
    completed,
  }))
}

export const modelName = (b: Json): string => str(b.model) || str(b.name)

export const pull: Handler = async (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const name = modelName(b)
  if (!name) return ollamaError(c, 400, 'model is required')
  const m = s.findModel(name) ?? { name: shortName(name), family: guessFamily(name) }
  const frames = [
    { status: 'pulling manifest' },
    ...layerFrames('pulling', m),
    { status: 'verifying sha256 digest' },
    { status: 'writing manifest' },
  ]
  await progress(s, c, b.stream, frames, () => addModel(s, m))
}

export const push: Handler = async (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const name = modelName(b)
  const m = s.findModel(name)
  if (!m) return ollamaError(c, 404, `model "${name}" not found`)
  const frames = [
    { status: 'retrieving manifest' },
    ...layerFrames('pushing', m),
    { status: 'pushing manifest' },
  ]
  await progress(s, c, b.stream, frames, () => {})
}

export const create: Handler = async (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const name = modelName(b)
  if (!name) return ollamaError(c, 400, 'model is required')
  const base = s.findModel(str(b.from))
  const m: FakeModel = {
    ...base,
    name: shortName(name),
    family: base?.family ?? guessFamily(name),
  }
  const frames = [
    { status: 'gathering model components' },
    { status: `using existing layer sha256:${digestOf(base ?? m)}` },
    { status: 'writing manifest' },
  ]
  await progress(s, c, b.stream, frames, () => addModel(s, m))
}

export const copy: Handler = (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const source = str(b.source)
  const destination = str(b.destination)
  if (!source || !destination) return ollamaError(c, 400, 'source and destination are required')
  const m = s.findModel(source)
  if (!m) return ollamaError(c, 404, `model "${source}" not found`)
  addModel(s, { ...m, name: destination })
  sendEmpty(c, 200)
}

export const remove: Handler = (s, c) => {
  const b = jsonBody(c, ollamaError)
  if (!b) return
  const name = modelName(b)
  const m = s.findModel(name)
  if (!m) return ollamaError(c, 404, `model '${name}' not found`)
  const o = s.options
  o.models = o.models.filter((x) => x !== m)
  o.loaded = o.loaded.filter((x) => modelKey(x) !== modelKey(m.name))
  sendEmpty(c, 200)
}

/** HEAD /api/blobs/:digest (200 or 404) and POST /api/blobs/:digest (the body must match). */
export function blob(s: FakeState, c: Ctx): void {
  const digest = c.params.digest ?? ''
  if (c.rec.method === 'HEAD') {
    return s.blobs.has(digest) ? sendEmpty(c, 200) : ollamaError(c, 404, 'blob not found')
  }
  const data = Buffer.isBuffer(c.body) ? c.body : Buffer.alloc(0)
  const actual = `sha256:${sha256(data)}`
  if (actual !== digest) {
    return ollamaError(c, 400, `digest mismatch, expected "${digest}", got "${actual}"`)
  }
  s.blobs.add(digest)
  sendEmpty(c, 201)
}
