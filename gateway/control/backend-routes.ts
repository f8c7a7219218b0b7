// The Backends view's API: list, add, change and remove backends. Backends set
// for this run only (`serve --backend URL`, CORRAL_BACKENDS) are listed read-only.
import { flagCandidates } from '../discovery/collisions.js'
import type { FastifyInstance } from 'fastify'
import type { Static } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import {
  addBackend,
  backendView,
  BackendInputError,
  findBackend,
  removeBackend,
  updateBackend,
} from '../backends/manage.js'
import { ControlError, CONTROL_PREFIX } from './common.js'
import { BackendCreate, BackendRecordView, BackendsView, IdParam } from './schemas.js'

const P = CONTROL_PREFIX

/** Every backend as the UI shows it, read-only when config.json does not hold it. */
export function backendViews(corral: Corral) {
  const saved = new Set(corral.store.current.backends.map((b) => b.id))
  return corral.pool.list().map((b) => backendView(b, !saved.has(b.id), corral.limiters.load(b)))
}

export function registerBackendRoutes(app: FastifyInstance, corral: Corral): void {
  const update = (m: Parameters<Corral['update']>[0]) => corral.update(m)
  const tags = ['backends']

  app.get(
    `${P}/backends`,
    {
      schema: {
        summary: 'Backends with health and models; services found on the LAN',
        tags,
        response: { 200: BackendsView },
      },
    },
    async () => ({
      backends: backendViews(corral),
      candidates: flagCandidates(corral.discovery.candidates(), corral.config.backends),
    }),
  )
  app.post<{ Body: Static<typeof BackendCreate> }>(
    `${P}/backends`,
    {
      schema: {
        summary: 'Add a backend by URL, or a LAN candidate by name',
        tags,
        body: BackendCreate,
        response: { 201: BackendRecordView },
      },
    },
    async (req, reply) => {
      const record = await addBackend(update, req.body, corral.discovery.candidates())
      await corral.health.checkNow()
      const state = corral.pool.get(record.id)
      return reply
        .code(201)
        .send(
          state ? backendView(state, false, corral.limiters.load(state)) : redactBackend(record),
        )
    },
  )
  app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof BackendCreate> }>(
    `${P}/backends/:id`,
    {
      schema: {
        summary: 'Change a backend (by id, name or URL)',
        tags,
        params: IdParam,
        body: BackendCreate,
        response: { 200: BackendRecordView },
      },
    },
    async (req) => {
      refuseRunOnly(corral, req.params.id)
      return redactBackend(await updateBackend(update, req.params.id, req.body))
    },
  )
  app.delete<{ Params: Static<typeof IdParam> }>(
    `${P}/backends/:id`,
    {
      schema: {
        summary: 'Remove a backend',
        tags,
        params: IdParam,
        response: { 200: BackendRecordView },
      },
    },
    async (req) => {
      refuseRunOnly(corral, req.params.id)
      return redactBackend(await removeBackend(update, req.params.id))
    },
  )
}

/**
 * A backend the running gateway uses but config.json does not hold came from a flag or
 * the environment: editing config.json could not change it, so say so (409) instead of
 * "not found".
 */
function refuseRunOnly(corral: Corral, ref: string): void {
  if (find(corral.store.current.backends, ref)) return
  const running = find(corral.config.backends, ref)
  if (!running) return
  throw new ControlError(
    409,
    `backend "${running.name}" (${running.id}) is set for this run by \`corral serve --backend\` ` +
      `or CORRAL_BACKENDS and is not saved in config.json, so it cannot be changed here: ` +
      `restart Corral without it, or add it with \`corral backends add ${running.url}\``,
  )
}

function find(list: Corral['config']['backends'], ref: string) {
  try {
    return findBackend(list, ref)
  } catch (err) {
    if (err instanceof BackendInputError) return null
    throw err
  }
}

/** A backend record as answered: whether it has an upstream key, never the key. */
function redactBackend<T extends { key: string | null }>(record: T) {
  const { key, ...rest } = record
  return { ...rest, hasKey: key !== null }
}
