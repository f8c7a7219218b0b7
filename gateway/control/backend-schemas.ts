// The control API's backend payloads: add, change, and what is shown of backends and the
// candidates found by mDNS.
import { Type } from '@sinclair/typebox'
import { Literals, Nullable } from './schema-helpers.js'

export const BackendCreate = Type.Object({
  url: Type.Optional(Type.String({ minLength: 1 })),
  candidate: Type.Optional(
    Type.String({ minLength: 1, description: 'Add an mDNS candidate by its advertised name.' }),
  ),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  key: Type.Optional(Nullable(Type.String())),
  weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
  enabled: Type.Optional(Type.Boolean()),
  confirmKey: Type.Optional(
    Type.Boolean({
      description:
        'Send `key` to a host first seen through mDNS (any host can announce any name): needed with a key for such a backend.',
    }),
  ),
  acceptVulnerable: Type.Optional(
    Type.Boolean({
      description:
        'Keep model management open although the backend runs an Ollama with a known vulnerability.',
    }),
  ),
})

export const AdvisoryView = Type.Object({
  cve: Type.String(),
  fixedIn: Type.String(),
  summary: Type.String(),
  source: Type.String(),
})

export const BackendView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  source: Literals(['local', 'manual', 'mdns'] as const),
  enabled: Type.Boolean(),
  weight: Type.Integer(),
  capacity: Type.Integer(),
  hasKey: Type.Boolean({ description: 'Whether an upstream key is set (never echoed).' }),
  state: Literals(['unknown', 'up', 'down', 'disabled'] as const),
  latencyMs: Nullable(Type.Number()),
  lastError: Nullable(Type.String()),
  lastCheckedAt: Nullable(Type.Number()),
  version: Nullable(Type.String()),
  advisories: Type.Array(AdvisoryView, {
    description:
      'Known vulnerabilities of the Ollama version it reports; model management is closed on it unless acceptVulnerable.',
  }),
  acceptVulnerable: Type.Boolean(),
  models: Type.Array(Type.String()),
  loaded: Type.Array(Type.String()),
  inFlight: Type.Integer(),
  readOnly: Type.Boolean({
    description:
      'Set for this run by `serve --backend` or CORRAL_BACKENDS, not saved: cannot be changed.',
  }),
  effectiveCapacity: Type.Integer({
    description:
      'Requests it runs at once now: `capacity`, or fewer after it answered "server busy".',
  }),
  queued: Type.Integer({ description: 'Requests waiting for one of its slots.' }),
  full: Type.Boolean({
    description: 'It answered "server busy" (OLLAMA_MAX_QUEUE): its capacity is learned.',
  }),
})

export const CandidateView = Type.Object({
  name: Type.String(),
  host: Type.String(),
  addresses: Type.Array(Type.String()),
  port: Type.Integer(),
  url: Type.String(),
  needsKey: Type.Boolean(),
  app: Nullable(Type.String()),
  version: Nullable(Type.String()),
  apis: Type.Array(Type.String()),
  lastSeen: Type.Number(),
  nameClash: Nullable(
    Type.String({
      description:
        "Why the name may mislead: it is a backend's or another candidate's (with the addresses); null when unique.",
    }),
  ),
})

export const BackendsView = Type.Object({
  backends: Type.Array(BackendView),
  candidates: Type.Array(CandidateView),
})

/** What a backend change answers: the live view, or the record when not in the pool yet. */
export const BackendRecordView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    url: Type.String(),
    enabled: Type.Boolean(),
  },
  { additionalProperties: true },
)
