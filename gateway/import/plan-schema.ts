// The wire shape of an ImportPlan, for the control API: the CLI parses files locally and sends
// the plan to a running server, which checks it with this schema before applying it. Settings
// are only checked to be an object here; applyPlan checks each one against the config schema.
import { Type, type Static } from '@sinclair/typebox'
import { SOURCE_FORMATS } from './types.js'

const Source = Type.Union(SOURCE_FORMATS.map((f) => Type.Literal(f)))
const Location = {
  file: Type.String(),
  line: Type.Optional(Type.Integer({ minimum: 1 })),
}

export const ImportPlanSchema = Type.Object({
  keys: Type.Array(
    Type.Object({ key: Type.String(), name: Type.String(), source: Source, ...Location }),
  ),
  backends: Type.Array(
    Type.Object({
      url: Type.String(),
      name: Type.String(),
      weight: Type.Optional(Type.Integer({ minimum: 1 })),
      capacity: Type.Optional(Type.Integer({ minimum: 1 })),
      enabled: Type.Optional(Type.Boolean()),
      source: Source,
      ...Location,
    }),
  ),
  settings: Type.Object({}, { additionalProperties: true }),
  settingOrigins: Type.Optional(Type.Record(Type.String(), Type.Object(Location))),
  notes: Type.Array(
    Type.Object({
      level: Type.Union([Type.Literal('info'), Type.Literal('warn')]),
      message: Type.String(),
      ...Location,
    }),
  ),
})
export type ImportPlanWire = Static<typeof ImportPlanSchema>
