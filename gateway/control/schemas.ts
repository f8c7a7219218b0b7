// The control API's payloads, in TypeBox: Fastify validates request bodies and
// query strings with them, and the OpenAPI document (GET /control/openapi.json)
// is generated from the same schemas. Responses are documented here but sent
// as they are (see openapi.ts), so a schema can never silently drop a field.
import { Type } from '@sinclair/typebox'
import { TlsStatusView } from '../tls/schema.js'
import { NetworkStateView } from '../network/schema.js'
import { ConfigProblemView } from './config-routes.js'
import { Literals } from './schema-helpers.js'
import { BackendView } from './backend-schemas.js'

export * from './key-schemas.js'
export * from './backend-schemas.js'
export * from './stats-schemas.js'
export { stripDefaults } from './schema-helpers.js'

export const IdParam = Type.Object({ id: Type.String({ minLength: 1 }) })

export const ErrorBody = Type.Object({
  error: Type.String({ description: 'What went wrong, in words for people.' }),
})

// --- Status and live numbers --------------------------------------------------------

export const LiveSnapshot = Type.Object({
  inFlight: Type.Integer(),
  rps: Type.Number({ description: 'Requests that ended per second (last few seconds).' }),
  tps: Type.Number({ description: 'Completion tokens per second.' }),
  eps: Type.Number({ description: 'Errors per second.' }),
  queueDepth: Type.Integer(),
  ts: Type.Number(),
})

export const StatusView = Type.Object({
  version: Type.String(),
  dataDir: Type.String(),
  sharing: Type.Boolean(),
  urls: Type.Array(Type.String(), { description: 'Gateway URLs on the LAN (empty while off).' }),
  keys: Type.Object({ total: Type.Integer(), active: Type.Integer() }),
  backends: Type.Array(BackendView),
  live: LiveSnapshot,
  localOllamaExposed: Type.Boolean(),
  ollama: Type.Object(
    {
      state: Literals(['up', 'down', 'checking', 'none'] as const),
      message: Type.Union([Type.String(), Type.Null()]),
    },
    {
      description:
        'Whether the shared Ollama runs: "down" when every enabled backend is down (the tray and the Share view show it amber), "none" without one; `message` says what to do.',
    },
  ),
  warnings: Type.Array(Type.String()),
  tls: TlsStatusView,
  network: NetworkStateView,
  configProblem: ConfigProblemView,
})

// --- Access -------------------------------------------------------------------------

export const AccessListName = Literals(['allow', 'deny', 'trustedProxies'] as const)
export const AccessEntry = Type.Object({ entry: Type.String({ minLength: 1, maxLength: 100 }) })
export const AccessEntries = Type.Object({
  entries: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 1000 }),
})
export const AccessLists = Type.Object({
  allow: Type.Array(Type.String()),
  deny: Type.Array(Type.String()),
  trustedProxies: Type.Array(Type.String()),
})
export const AccessPreset = Type.Object({
  id: Literals(['lan', 'thisSubnet', 'thisMachine'] as const),
  label: Type.String(),
  description: Type.String(),
  entries: Type.Array(Type.String()),
})

export const AnyObject = Type.Object({}, { additionalProperties: true })
