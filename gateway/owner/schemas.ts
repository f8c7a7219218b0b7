// The owner controls' control API payloads in TypeBox: validated by Fastify and listed in
// the OpenAPI document (GET /control/openapi.json) from the same schemas.
import { Type, type TSchema } from '@sinclair/typebox'

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
const Time = Type.String({ format: 'date-time' })

export const PauseView = Type.Object({
  since: Time,
  until: Nullable({ ...Time, description: 'When it ends by itself; null: until resumed.' }),
  queue: Type.Boolean({ description: 'New requests wait in the fair queue instead of a 503.' }),
})

export const KeyPauseView = Type.Composite([
  Type.Object({ keyId: Type.String(), keyName: Type.String() }),
  PauseView,
])

export const PauseBody = Type.Object({
  for: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 40,
        description: 'How long: `90s`, `30m`, `2h`, `1d`, `1h30m`; absent or null: until resumed.',
      }),
    ),
  ),
  queue: Type.Optional(
    Type.Boolean({
      description: 'New requests wait in the fair queue (up to `queue.maxWaitMs`) instead of 503.',
    }),
  ),
})

export const PauseAllBody = Type.Pick(PauseBody, ['for'])

export const ResumeView = Type.Object({
  keyId: Type.String(),
  keyName: Type.String(),
  wasPaused: Type.Boolean(),
})

export const KickView = Type.Object({
  keyId: Type.String(),
  keyName: Type.String(),
  running: Type.Integer({ description: 'Requests the backends were answering: aborted.' }),
  queued: Type.Integer({ description: 'Requests waiting in the fair queue: dropped.' }),
})

export const OwnBody = Type.Object({
  own: Type.Boolean({ description: 'The key is the owner’s: spared by "pause everyone but me".' }),
})
export const OwnView = Type.Object({
  keyId: Type.String(),
  keyName: Type.String(),
  own: Type.Boolean(),
})

export const ActivityRowView = Type.Object({
  keyId: Type.String(),
  keyName: Type.String(),
  own: Type.Boolean(),
  devices: Type.Array(Type.Object({ ip: Type.String(), userAgent: Nullable(Type.String()) })),
  models: Type.Array(Type.String()),
  running: Type.Integer({ description: 'Requests the backends are answering now.' }),
  queued: Type.Integer({ description: 'Requests waiting in the fair queue.' }),
  startedAt: Type.Number({ description: 'Epoch ms the oldest of them began.' }),
  runningMs: Type.Number(),
  tokensPerSecond: Nullable(
    Type.Number({ description: 'Over the streams running now (content frames a second).' }),
  ),
  paused: Nullable(PauseView),
})

export const ActivityView = Type.Object({
  ts: Type.Number({ description: 'Epoch ms of this snapshot.' }),
  keys: Type.Array(ActivityRowView, { description: 'Keys with work in flight or waiting.' }),
  paused: Type.Array(KeyPauseView, { description: 'Keys paused now, busy or not.' }),
  everyone: Nullable(PauseView),
  ownKeys: Type.Array(Type.String(), { description: 'Ids of the owner’s keys.' }),
})
