// The records config.json holds lists of, and their parts: keys and their limits, backends,
// pauses, the HTTPS settings, remembered networks. config/schema.ts puts them together.
import { Type, type Static } from '@sinclair/typebox'
import { OllamaOptionsSchema } from './ollama-options.js'
import { DeviceKeySchema } from './device-schema.js'

export const SCOPES = ['inference', 'models', 'metrics', 'admin'] as const
export type Scope = (typeof SCOPES)[number]

const Nullable = <T extends ReturnType<typeof Type.Integer>>(t: T) =>
  Type.Union([t, Type.Null()], { default: null })

/** Limits for one key; `null` means "no limit of this kind". */
export const LimitsSchema = Type.Object(
  {
    /** Requests allowed per window (the Go gateway's `maxRequests`). */
    requests: Nullable(Type.Integer({ minimum: 1 })),
    /** The window for `requests` (the Go gateway's `timeWindowSeconds`). */
    windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
    /** Prompt + completion tokens per rolling minute, charged when a response ends. */
    tokensPerMinute: Nullable(Type.Integer({ minimum: 1 })),
    /** Requests in flight at once for this key. */
    concurrency: Nullable(Type.Integer({ minimum: 1 })),
    /** Ceiling on `num_predict` / `max_tokens`, enforced by rewriting the body. */
    maxOutputTokens: Nullable(Type.Integer({ minimum: 1 })),
  },
  { default: {} },
)
export type Limits = Static<typeof LimitsSchema>

/**
 * A key's own overrides: a field left out falls back to the default limits,
 * `null` means "no limit of this kind for this key". No defaults inside, or
 * every key would silently override the defaults with "unlimited".
 */
const NullableInt = (min: number) =>
  Type.Optional(Type.Union([Type.Integer({ minimum: min }), Type.Null()]))
export const KeyLimitsSchema = Type.Object(
  {
    requests: NullableInt(1),
    windowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    tokensPerMinute: NullableInt(1),
    concurrency: NullableInt(1),
    maxOutputTokens: NullableInt(1),
  },
  { default: {} },
)
export type KeyLimits = Static<typeof KeyLimitsSchema>

export const KeySchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  /** SHA-256 of the key, lowercase hex. The key itself is never stored. */
  hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  /** The first characters of the key, for people to tell keys apart. */
  prefix: Type.String({ default: '' }),
  scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { default: ['inference'] }),
  /** Model names or `family:*` patterns; empty means every model. */
  models: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
  /**
   * May use cloud models (`gpt-oss:120b-cloud`, `kimi-k2.7-code:cloud`): they run on the
   * owner's ollama.com account, so a key gets them only when the owner says so. Absent: no.
   */
  allowCloud: Type.Optional(Type.Boolean()),
  limits: KeyLimitsSchema,
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { default: null }),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { default: null }),
  source: Type.Union([Type.Literal('created'), Type.Literal('imported'), Type.Literal('env')], {
    default: 'created',
  }),
  /** Made by "Add a guest": inference only, expiring, bound to a subnet (see `subnet`). */
  guest: Type.Boolean({ default: false }),
  /**
   * The CIDR this key may be used from (on top of the access list); null: anywhere. A guest
   * key without one is bound, on first use, to its device's /24 (IPv4) or /64 (IPv6).
   */
  subnet: Type.Union([Type.String({ minLength: 1 }), Type.Null()], { default: null }),
  /** Ollama `options` added to /api/chat and /api/generate where the client set none. */
  options: OllamaOptionsSchema,
  /** Longest `keep_alive` this key's requests may ask for, in seconds; null: no cap. */
  keepAliveMaxSeconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { default: null }),
  /** `ollama` CLIs that sign with these public keys act as this key (gateway/device-keys/). */
  devices: Type.Optional(Type.Array(DeviceKeySchema, { default: [], maxItems: 100 })),
})
export type KeyRecord = Static<typeof KeySchema>

export const BackendSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  url: Type.String({ pattern: '^https?://' }),
  /** Sent upstream as `Authorization: Bearer` (a teammate's Corral as a backend). */
  key: Type.Union([Type.String(), Type.Null()], { default: null }),
  weight: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
  enabled: Type.Boolean({ default: true }),
  /** Requests sent to this backend at once; more wait in the fair queue. */
  capacity: Type.Integer({ minimum: 1, maximum: 1024, default: 4 }),
  source: Type.Union([Type.Literal('local'), Type.Literal('manual'), Type.Literal('mdns')], {
    default: 'manual',
  }),
  /**
   * The owner accepts the risk of an Ollama older than a known fix (advisories/): model
   * management stays open on it. Unset: closed while it reports such a version.
   */
  acceptVulnerable: Type.Optional(Type.Boolean()),
})
export type BackendRecord = Static<typeof BackendSchema>

/** A pause set by the owner (one key, or everyone but the owner). */
export const PauseSchema = Type.Object({
  since: Type.String({ format: 'date-time' }),
  /** When it ends by itself; null: until resumed. */
  until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { default: null }),
  /** New requests wait in the fair queue instead of being refused. */
  queue: Type.Boolean({ default: false }),
})
export type PauseRecord = Static<typeof PauseSchema>

export const TLS_MODES = ['off', 'self-signed', 'files'] as const
export type TlsMode = (typeof TLS_MODES)[number]

/** HTTPS on the gateway port; plain HTTP only on a port of its own, when asked for. */
export const TlsSchema = Type.Object(
  {
    /** `self-signed`: Corral makes and keeps one in the data dir; `files`: certFile + keyFile. */
    mode: Type.Union(
      TLS_MODES.map((m) => Type.Literal(m)),
      { default: 'off' },
    ),
    /** PEM certificate (chain) for `files`; re-read when it changes. */
    certFile: Type.String({ default: '' }),
    /** PEM private key for `files`. */
    keyFile: Type.String({ default: '' }),
    /**
     * Also serve plain HTTP on this port (keys travel unencrypted there); null: no plain HTTP.
     * Never 0 (a random port on every interface). Null comes first: Fastify's validator
     * coerces, and with the integer first it turned an empty field's null into 0.
     */
    plainPort: Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 65_535 })], {
      default: null,
    }),
  },
  { default: {} },
)
export type TlsConfig = Static<typeof TlsSchema>

/** A network the owner said sharing may run on (see gateway/network/). */
export const RememberedNetworkSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  /** The LAN address's subnet, e.g. `192.168.1.0/24`. */
  subnet: Type.String(),
  /** The default gateway's address; '' when the network has none. */
  gateway: Type.String({ default: '' }),
  /** The default gateway's MAC address when it was known; '' otherwise. */
  gatewayMac: Type.String({ default: '' }),
  label: Type.String({ default: '' }),
  addedAt: Type.String({ format: 'date-time' }),
})
export type RememberedNetwork = Static<typeof RememberedNetworkSchema>
