// The control API: what the UI, the CLI and the desktop app can do.
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import { VERSION } from '../core.js'
import { createKey, publicKey, revokeKey, updateKey } from '../auth/manage.js'
import { ControlError, CONTROL_PREFIX } from './common.js'
import type { ControlOptions } from './options.js'
import { statusView } from './status.js'
import { registerBackendRoutes } from './backend-routes.js'
import { registerDeviceRoutes } from './device-routes.js'
import { applyPlan, ImportPlanSchema, type ApplyReport, type ImportPlan } from '../import/index.js'
import {
  AnyObject,
  IdParam,
  KeyCreate,
  KeyCreated,
  KeyPatch,
  KeyView,
  PublicKey,
  StatusView,
} from './schemas.js'

const P = CONTROL_PREFIX

export async function registerControlRoutes(
  app: FastifyInstance,
  corral: Corral,
  opts: ControlOptions,
): Promise<void> {
  app.get(
    `${P}/status`,
    {
      schema: {
        summary: 'Sharing, URLs, backends, live numbers and warnings',
        tags: ['status'],
        response: { 200: StatusView },
      },
    },
    async () => statusView(corral, opts.sharing, VERSION),
  )

  app.post<{ Body: { on: boolean } }>(
    `${P}/sharing`,
    {
      schema: {
        summary: 'Turn sharing on the LAN on or off',
        tags: ['status'],
        body: Type.Object({ on: Type.Boolean() }),
        response: { 200: StatusView },
      },
    },
    async (req) => {
      await opts.sharing.set(req.body.on)
      return statusView(corral, opts.sharing, VERSION)
    },
  )

  registerKeyRoutes(app, corral, opts)
  registerBackendRoutes(app, corral)
  registerDeviceRoutes(app, corral)

  app.post<{ Body: { plan: ImportPlan; dryRun?: boolean } }>(
    `${P}/import`,
    {
      schema: {
        summary: 'Apply an import plan (from `corral import`)',
        tags: ['config'],
        body: Type.Object({ plan: ImportPlanSchema, dryRun: Type.Optional(Type.Boolean()) }),
        response: { 200: AnyObject },
      },
    },
    async (req) => {
      const deps = { now: () => new Date(corral.now()), newId: () => corral.newId() }
      const plan = req.body?.plan
      if (!plan || !Array.isArray(plan.keys) || !Array.isArray(plan.backends)) {
        throw new ControlError(400, 'body must be {"plan": ImportPlan, "dryRun"?: boolean}')
      }
      if (req.body.dryRun) return applyPlan(corral.config, plan, deps).report
      let report: ApplyReport | null = null
      await corral.update((c) => {
        const out = applyPlan(c, plan, deps)
        report = out.report
        return out.config
      })
      return report
    },
  )

  app.post(
    `${P}/config/reload`,
    { schema: { summary: 'Re-read config.json', tags: ['config'], response: { 200: AnyObject } } },
    async () => {
      const result = corral.store.reload()
      if (!result.ok) throw new ControlError(400, result.error)
      return result
    },
  )
}

function registerKeyRoutes(app: FastifyInstance, corral: Corral, opts: ControlOptions): void {
  const update = (m: Parameters<Corral['update']>[0]) => corral.update(m)
  const tags = ['keys']

  app.get(
    `${P}/keys`,
    {
      schema: {
        summary: 'Keys with last use and usage today',
        tags,
        response: { 200: Type.Array(KeyView) },
      },
    },
    async () => {
      const usage = corral.stats.usageByKey(startOfToday(corral.now()))
      return corral.config.keys.map((k) => ({
        ...publicKey(k),
        lastUsedAt: usage.get(k.id)?.lastUsedAt ?? null,
        usageToday: {
          requests: usage.get(k.id)?.requests ?? 0,
          tokens: usage.get(k.id)?.tokens ?? 0,
        },
        active:
          k.revokedAt === null && (k.expiresAt === null || Date.parse(k.expiresAt) > corral.now()),
      }))
    },
  )
  app.post<{ Body: Static<typeof KeyCreate> }>(
    `${P}/keys`,
    {
      schema: {
        summary: 'Create a key: the answer holds the key itself, the only time it is shown',
        tags,
        body: KeyCreate,
        response: { 201: KeyCreated },
      },
    },
    async (req, reply) => {
      const { record, key } = await createKey(update, req.body, new Date(corral.now()))
      const links = opts.sharing.connectLinks(key)
      return reply.code(201).send({
        ...publicKey(record),
        key,
        connectUrls: links.urls,
        connectProblem: links.problem,
      })
    },
  )
  app.patch<{ Params: Static<typeof IdParam>; Body: Static<typeof KeyPatch> }>(
    `${P}/keys/:id`,
    {
      schema: {
        summary: 'Change a key',
        tags,
        params: IdParam,
        body: KeyPatch,
        response: { 200: PublicKey },
      },
    },
    async (req) =>
      publicKey(await updateKey(update, req.params.id, req.body, new Date(corral.now()))),
  )
  app.delete<{ Params: Static<typeof IdParam> }>(
    `${P}/keys/:id`,
    {
      schema: {
        summary: 'Revoke a key: refused from the next request on, kept for its history',
        tags,
        params: IdParam,
        response: { 200: PublicKey },
      },
    },
    async (req) => publicKey(await revokeKey(update, req.params.id, new Date(corral.now()))),
  )
}

function startOfToday(now: number): number {
  const d = new Date(now)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}
