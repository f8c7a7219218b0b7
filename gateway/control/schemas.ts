// The control API's payloads, in TypeBox: Fastify validates request bodies and
// query strings with them, and the OpenAPI document (GET /control/openapi.json)
// is generated from the same schemas. Responses are documented here but sent
// as they are (see openapi.ts), so a schema can never silently drop a field.
import { Type, type TLiteral, type TSchema, type TUnion } from '@sinclair/typebox'
import { KeyLimitsSchema, LimitsSchema, SCOPES } from '../config/schema.js'
import { OLLAMA_OPTION_NAMES, OllamaOptionsView } from '../config/ollama-options.js'
import { OUTCOMES } from '../stats/record.js'
import { TlsStatusView } from '../tls/schema.js'
import { NetworkStateView } from '../network/schema.js'
import { ConfigProblemView } from './config-routes.js'

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
/** A union of string literals, typed as the union of the values. */
const Literals = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v))) as unknown as TUnion<TLiteral<T[number]>[]>

export const ErrorBody = Type.Object({
  error: Type.String({ description: 'What went wrong, in words for people.' }),
})

export const ScopeList = Type.Array(Literals(SCOPES))

// --- Keys ---------------------------------------------------------------------------

/**
 * Ollama options by name. Checked by the key code (auth/manage.ts) against Ollama's names and
 * types with a message naming the option, not here: Fastify's validator would drop unknown
 * names silently (removeAdditional) or coerce "8192" into a number.
 */
function KeyOptionsInput(value: string) {
  return Type.Record(Type.String(), Type.Unknown(), {
    description: `Ollama option name -> ${value}: ${OLLAMA_OPTION_NAMES.join(', ')}.`,
  })
}

/**
 * A JSON copy of a schema without its `default` annotations, for request bodies that
 * change only what they name: Fastify's validator fills in defaults, so a patch of one
 * field would otherwise reset its siblings to their defaults.
 */
export function stripDefaults<T extends TSchema>(schema: T): T {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) =>
    key === 'default' ? undefined : value,
  ) as T
}

export const KeyCreate = Type.Object({
  name: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'Needed, except for a guest key.' }),
  ),
  scopes: Type.Optional(ScopeList),
  models: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
  limits: Type.Optional(stripDefaults(KeyLimitsSchema)),
  expires: Type.Optional(
    Nullable(Type.String({ description: '`7d`, `12h`, an ISO date; null: never expires.' })),
  ),
  guest: Type.Optional(
    Type.Boolean({
      description:
        'A guest key: inference scope only, expires (default 24h, never "never"), bound to `subnet` or to its first device\'s /24 (IPv4) or /64 (IPv6).',
    }),
  ),
  subnet: Type.Optional(
    Nullable(Type.String({ description: 'The CIDR the key works from; null: anywhere allowed.' })),
  ),
  options: Type.Optional(KeyOptionsInput('a value')),
  allowCloud: Type.Optional(
    Type.Boolean({
      description:
        "May use cloud models (`gpt-oss:120b-cloud`, `…:cloud`): they run on the owner's ollama.com account. Default false; never for a guest key.",
    }),
  ),
  keepAliveMax: Type.Optional(
    Nullable(
      Type.Union([Type.String(), Type.Integer()], {
        description: 'Longest keep_alive (`30m`, `1h`, or seconds); null: no cap.',
      }),
    ),
  ),
})
export const KeyPatch = Type.Composite([
  Type.Partial(Type.Omit(KeyCreate, ['guest', 'options'])),
  Type.Object({
    options: Type.Optional(
      Type.Union([KeyOptionsInput('a value, or null to remove it'), Type.Null()], {
        description: "Merged into the key's options; null removes them all.",
      }),
    ),
  }),
])
export const IdParam = Type.Object({ id: Type.String({ minLength: 1 }) })

/** A key as stored, without its hash: the secret itself is never kept. */
export const PublicKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to tell keys apart.' }),
  scopes: ScopeList,
  models: Type.Array(Type.String()),
  limits: Type.Partial(LimitsSchema),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Nullable(Type.String({ format: 'date-time' })),
  revokedAt: Nullable(Type.String({ format: 'date-time' })),
  source: Literals(['created', 'imported', 'env'] as const),
  guest: Type.Boolean(),
  subnet: Nullable(Type.String({ description: 'Set by the first request of a guest key.' })),
  options: OllamaOptionsView,
  keepAliveMaxSeconds: Nullable(Type.Integer()),
  allowCloud: Type.Optional(Type.Boolean({ description: 'May use cloud models; absent: no.' })),
})

export const KeyView = Type.Composite([
  PublicKey,
  Type.Object({
    lastUsedAt: Nullable(Type.Number({ description: 'Epoch ms.' })),
    usageToday: Type.Object({ requests: Type.Integer(), tokens: Type.Integer() }),
    active: Type.Boolean({ description: 'Neither revoked nor expired.' }),
  }),
])

export const KeyCreated = Type.Composite([
  PublicKey,
  Type.Object({
    key: Type.String({ description: 'The key itself: shown once, never again.' }),
    connectUrls: Type.Array(Type.String(), {
      description: 'The connect page for this key, per LAN URL: what the QR code encodes.',
    }),
    connectProblem: Nullable(
      Type.String({
        description:
          'Why there is no connect link (HTTPS on without a usable certificate: never a key over plain http://); null when there are links.',
      }),
    ),
  }),
])

// --- Backends -----------------------------------------------------------------------

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

// --- Stats --------------------------------------------------------------------------

const Aggregate = {
  requests: Type.Integer(),
  errors: Type.Integer(),
  promptTokens: Type.Integer(),
  completionTokens: Type.Integer(),
  avgDurationMs: Nullable(Type.Number()),
  avgTtfbMs: Nullable(Type.Number()),
  avgTokensPerSecond: Nullable(Type.Number()),
  queued: Type.Integer(),
  avgQueueMs: Nullable(Type.Number()),
  p50DurationMs: Type.Optional(Type.Number()),
  p95DurationMs: Type.Optional(Type.Number()),
}
const Range = Type.Object({ since: Type.Number(), until: Type.Number() })

export const RequestRecordView = Type.Object({
  id: Type.Optional(Type.Integer({ description: 'Stored records only (not the live feed).' })),
  ts: Type.Number(),
  keyId: Nullable(Type.String()),
  keyName: Nullable(Type.String()),
  clientIp: Type.String(),
  backend: Nullable(Type.String()),
  model: Nullable(Type.String()),
  method: Type.String(),
  path: Type.String(),
  status: Type.Integer(),
  durationMs: Type.Number(),
  ttfbMs: Nullable(Type.Number()),
  promptTokens: Nullable(Type.Integer()),
  completionTokens: Nullable(Type.Integer()),
  tokensPerSecond: Nullable(Type.Number()),
  queued: Type.Boolean(),
  queueMs: Type.Number(),
  outcome: Literals(OUTCOMES),
})

export const StatsSummary = Type.Object({
  range: Range,
  totals: Type.Object({
    since: Type.Number(),
    until: Type.Number(),
    source: Literals(['raw', 'rollup'] as const),
    ...Aggregate,
    outcomes: Type.Record(Type.String(), Type.Integer()),
  }),
  breakdown: Type.Array(
    Type.Object({
      group: Type.String(),
      label: Type.String(),
      lastTs: Type.Number(),
      ...Aggregate,
    }),
  ),
})

export const StatsSeries = Type.Object({
  range: Range,
  bucketMs: Type.Integer(),
  points: Type.Array(
    Type.Object({
      ts: Type.Number(),
      requests: Type.Integer(),
      errors: Type.Integer(),
      promptTokens: Type.Integer(),
      completionTokens: Type.Integer(),
      avgDurationMs: Nullable(Type.Number()),
    }),
  ),
})

export const RangeQuery = Type.Object({
  since: Type.Optional(Type.String({ description: '`1h`, `24h`, `7d`, an ISO date or epoch ms.' })),
  until: Type.Optional(Type.String()),
  by: Type.Optional(Literals(['key', 'backend', 'model'] as const)),
  key: Type.Optional(Type.String({ description: 'Only this key id.' })),
  bucket: Type.Optional(Type.String({ description: 'Series bucket in ms (default 60000).' })),
})
export const RecentQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  key: Type.Optional(Type.String()),
})

/** A loose object: payloads whose shape belongs to another module (import plans, reports). */
export const AnyObject = Type.Object({}, { additionalProperties: true })
