// The owner's controls: who is using the GPU now, pause, resume, kick, "pause everyone
// but me", and which keys are the owner's. Bad input answers 400/404 and changes nothing.
import type { FastifyInstance } from 'fastify'
import type { Static } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import {
  endPauseEveryone,
  findOwnerKey,
  OwnerInputError,
  pauseEveryone,
  pauseKey,
  resumeEveryone,
  resumeKey,
  setOwnKey,
} from '../owner/manage.js'
import {
  ActivityView,
  KeyPauseView,
  KickView,
  OwnBody,
  OwnView,
  PauseAllBody,
  PauseBody,
  PauseView,
  ResumeView,
} from '../owner/schemas.js'
import { ControlError, CONTROL_PREFIX as P } from './common.js'
import { IdParam } from './schemas.js'
import { Type } from '@sinclair/typebox'

type Id = { Params: Static<typeof IdParam> }

export function registerOwnerRoutes(app: FastifyInstance, corral: Corral): void {
  const update = (m: Parameters<Corral['update']>[0]) => corral.update(m)
  const tags = ['owner']
  const now = () => corral.now()

  app.get(
    `${P}/activity/now`,
    {
      schema: {
        summary: 'Who is using the GPU now: per key, requests running and waiting; pauses',
        description: 'The same object comes on the live feed (`event: activity`) as it changes.',
        tags,
        response: { 200: ActivityView },
      },
    },
    async () => corral.owner.activity(),
  )
  app.post<Id & { Body: Static<typeof PauseBody> }>(
    `${P}/keys/:id/pause`,
    {
      schema: {
        summary:
          'Pause a key: new requests get 503 CORRAL_ERR_PAUSED (or wait); running ones finish',
        tags,
        params: IdParam,
        body: PauseBody,
        response: { 200: KeyPauseView, 404: ErrorView },
      },
    },
    async (req) => owned(() => pauseKey(update, req.params.id, req.body ?? {}, now())),
  )
  app.post<Id>(
    `${P}/keys/:id/resume`,
    {
      schema: {
        summary: 'Resume a paused key (its waiting requests go on)',
        tags,
        params: IdParam,
        response: { 200: ResumeView, 404: ErrorView },
      },
    },
    async (req) => owned(() => resumeKey(update, req.params.id)),
  )
  app.post<Id>(
    `${P}/keys/:id/kick`,
    {
      schema: {
        summary: 'Cancel every running and waiting request of a key now (CORRAL_ERR_KICKED)',
        description:
          'The backend requests are aborted (the GPU is freed). Not a pause: the next request is served.',
        tags,
        params: IdParam,
        response: { 200: KickView, 404: ErrorView },
      },
    },
    async (req) =>
      owned(() => {
        const key = findOwnerKey(corral.config, req.params.id)
        return { keyId: key.id, keyName: key.name, ...corral.owner.kick(key.id) }
      }),
  )
  app.put<Id & { Body: Static<typeof OwnBody> }>(
    `${P}/keys/:id/own`,
    {
      schema: {
        summary: 'Mark a key as the owner’s (spared by "pause everyone but me"), or not',
        tags,
        params: IdParam,
        body: OwnBody,
        response: { 200: OwnView, 404: ErrorView },
      },
    },
    async (req) => owned(() => setOwnKey(update, req.params.id, req.body.own)),
  )
  app.post<{ Body: Static<typeof PauseAllBody> }>(
    `${P}/pause-all`,
    {
      schema: {
        summary: 'Pause everyone but me: every key but the owner’s, except from this machine',
        tags,
        body: PauseAllBody,
        response: { 200: PauseView },
      },
    },
    async (req) => owned(() => pauseEveryone(update, req.body ?? {}, now())),
  )
  // The tray's "Pause everyone but me" unchecked: keys paused one by one stay paused.
  app.delete(
    `${P}/pause-all`,
    {
      schema: {
        summary: 'End "pause everyone but me" only; keys paused one by one stay paused',
        tags,
        response: { 200: Type.Object({ ended: Type.Boolean() }) },
      },
    },
    async () => {
      const ended = corral.config.owner.everyone !== null
      await endPauseEveryone(update)
      return { ended }
    },
  )
  app.post(
    `${P}/resume-all`,
    {
      schema: {
        summary: 'End "pause everyone but me" and every key’s own pause',
        tags,
        response: { 200: Type.Object({ resumed: Type.Integer() }) },
      },
    },
    async () => resumeEveryone(update),
  )
}

const ErrorView = Type.Object({ error: Type.String() }, { description: 'No such key.' })

/** Owner input errors as control API answers (400, 404). */
async function owned<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (err instanceof OwnerInputError) throw new ControlError(err.status, err.message)
    throw err
  }
}
