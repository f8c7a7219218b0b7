// The control API's key payloads: create, change, and what is shown of a key.
import { Type } from '@sinclair/typebox'
import { KeyLimitsSchema, LimitsSchema, SCOPES } from '../config/schema.js'
import { OLLAMA_OPTION_NAMES, OllamaOptionsView } from '../config/ollama-options.js'
import { Literals, Nullable, stripDefaults } from './schema-helpers.js'

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
