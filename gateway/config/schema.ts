// The one schema for config.json. Every field has a default, so `{}` is a valid
// file and an older file gains new settings without a migration step of its own.
import { DEFAULT_ALLOWED_ORIGINS } from '../cors/index.js'
import { Type, type Static } from '@sinclair/typebox'
import { OllamaOptionsSchema } from './ollama-options.js'
import { DeviceKeySchema, DevicesSettingsSchema } from './device-schema.js'

export const CONFIG_VERSION = 1

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

export const ConfigSchema = Type.Object({
  version: Type.Integer({ minimum: 1, default: CONFIG_VERSION }),
  server: Type.Object(
    {
      /** Address the gateway binds while sharing is on. */
      host: Type.String({ default: '0.0.0.0' }),
      port: Type.Integer({ minimum: 0, maximum: 65_535, default: 11_435 }),
      controlPort: Type.Integer({ minimum: 0, maximum: 65_535, default: 11_436 }),
      /** Whether the LAN listener runs (the tray's "Share on LAN"). */
      sharing: Type.Boolean({ default: true }),
      /** Extra prefix every gateway path is also served under, e.g. `/ollama`. */
      basePath: Type.String({ default: '', pattern: '^(/[A-Za-z0-9._~-]+)*$' }),
      bodyLimitBytes: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024 }),
      /**
       * Web pages that may call the gateway from a browser (CORS): exact origins or one `*`
       * (`http://localhost:*`, `app://*`). Default: Ollama's own list (OLLAMA_ORIGINS defaults).
       */
      allowedOrigins: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
        maxItems: 200,
        default: [...DEFAULT_ALLOWED_ORIGINS],
      }),
      /** Time a client has to send its request headers. */
      headersTimeoutMs: Type.Integer({ minimum: 1000, default: 15_000 }),
      /**
       * Time a client has to send its whole request (headers and body), unless its body
       * keeps arriving at `bodyMinBytesPerSecond` (a long upload).
       */
      requestTimeoutMs: Type.Integer({ minimum: 1000, default: 120_000 }),
      keepAliveTimeoutMs: Type.Integer({ minimum: 1000, default: 72_000 }),
      /** How long a backend may take to answer with headers (a cold model load). */
      upstreamHeadersTimeoutMs: Type.Integer({ minimum: 1000, default: 600_000 }),
      /** Longest silence between two bytes of a backend's body. */
      upstreamIdleTimeoutMs: Type.Integer({ minimum: 1000, default: 600_000 }),
      /** Longest silence in the middle of a request body (blob uploads, big creates). */
      bodyIdleTimeoutMs: Type.Integer({ minimum: 100, default: 60_000 }),
      /** Past `requestTimeoutMs`, a body slower than this on average is cut. */
      bodyMinBytesPerSecond: Type.Integer({ minimum: 0, default: 16_384 }),
      /** On shutdown, how long in-flight streams may run before they are cut. */
      shutdownGraceMs: Type.Integer({ minimum: 0, default: 10_000 }),
      /** HTTPS on the LAN listener (see TlsSchema). */
      tls: TlsSchema,
    },
    { default: {} },
  ),
  auth: Type.Object(
    {
      /** An extra header to read keys from (the Go gateway's `authHeaderName`). */
      headerName: Type.String({ default: '', pattern: '^[A-Za-z0-9-]*$' }),
    },
    { default: {} },
  ),
  keys: Type.Array(KeySchema, { default: [] }),
  /** Device keys the owner refused (gateway/device-keys/). */
  devices: Type.Optional(DevicesSettingsSchema),
  limits: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      defaults: LimitsSchema,
    },
    { default: {} },
  ),
  queue: Type.Object(
    {
      maxQueuedPerKey: Type.Integer({ minimum: 1, default: 64 }),
      maxWaitMs: Type.Integer({ minimum: 100, default: 300_000 }),
      /** Loopback clients (the owner) jump ahead of LAN clients. */
      localPriority: Type.Boolean({ default: false }),
    },
    { default: {} },
  ),
  access: Type.Object(
    {
      /** Addresses and CIDRs that may connect. Default: LAN only. */
      allow: Type.Array(Type.String(), {
        default: [
          '127.0.0.0/8',
          '::1/128',
          '10.0.0.0/8',
          '172.16.0.0/12',
          '192.168.0.0/16',
          '169.254.0.0/16',
          '100.64.0.0/10',
          'fc00::/7',
          'fe80::/10',
        ],
      }),
      /** Addresses and CIDRs refused even when allowed above: deny wins. */
      deny: Type.Array(Type.String(), { default: [] }),
      /** Peers whose `X-Forwarded-For` is believed. */
      trustedProxies: Type.Array(Type.String(), { default: [] }),
    },
    { default: {} },
  ),
  backends: Type.Array(BackendSchema, { default: [] }),
  balancer: Type.Object(
    {
      strategy: Type.Union([Type.Literal('least-outstanding'), Type.Literal('round-robin')], {
        default: 'least-outstanding',
      }),
      healthIntervalMs: Type.Integer({ minimum: 500, default: 10_000 }),
      healthTimeoutMs: Type.Integer({ minimum: 100, default: 2_000 }),
      healthPath: Type.String({ default: '/api/version' }),
    },
    { default: {} },
  ),
  /** Models to make present on backends ("make sure these models are present"). */
  ensureModels: Type.Array(
    Type.Object({
      model: Type.String({ minLength: 1 }),
      /** Backend ids; empty means every enabled backend. */
      backends: Type.Array(Type.String(), { default: [] }),
    }),
    { default: [] },
  ),
  discovery: Type.Object(
    {
      mdns: Type.Boolean({ default: true }),
      /** Name advertised on the LAN; empty means the host name. */
      name: Type.String({ default: '' }),
    },
    { default: {} },
  ),
  stats: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      retentionDays: Type.Integer({ minimum: 1, default: 7 }),
      rollupRetentionDays: Type.Integer({ minimum: 1, default: 90 }),
    },
    { default: {} },
  ),
  metrics: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      path: Type.String({ default: '/metrics', pattern: '^/[A-Za-z0-9/_-]*$' }),
      namespace: Type.String({ default: 'gateway', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' }),
    },
    { default: {} },
  ),
  logging: Type.Object(
    {
      enabled: Type.Boolean({ default: true }),
      maxSizeBytes: Type.Integer({ minimum: 65_536, default: 10 * 1024 * 1024 }),
      maxFiles: Type.Integer({ minimum: 1, default: 5 }),
    },
    { default: {} },
  ),
  notifications: Type.Object(
    {
      newDevice: Type.Boolean({ default: true }),
      backendDown: Type.Boolean({ default: true }),
    },
    { default: {} },
  ),
  desktop: Type.Object(
    {
      startAtLogin: Type.Boolean({ default: false }),
    },
    { default: {} },
  ),
  /** The owner's controls: paused keys, "pause everyone but me", the owner's own keys. */
  owner: Type.Object(
    {
      paused: Type.Array(Type.Composite([Type.Object({ keyId: Type.String() }), PauseSchema]), {
        default: [],
      }),
      /** "Pause everyone but me": every key but `ownKeys`, except from this machine. */
      everyone: Type.Union([PauseSchema, Type.Null()], { default: null }),
      /** Ids of the owner's keys: they keep working while everyone else is paused. */
      ownKeys: Type.Array(Type.String(), { default: [] }),
    },
    { default: {} },
  ),
  network: Type.Object(
    {
      /**
       * Pause sharing on a network the owner has not shared on. null: the way Corral runs
       * decides (the desktop app: yes; `corral serve`: no, unless --network-bound).
       */
      bound: Type.Union([Type.Boolean(), Type.Null()], { default: null }),
      /** Networks sharing may run on: added when sharing is turned on, or "Share on this network". */
      remembered: Type.Array(RememberedNetworkSchema, { default: [] }),
    },
    { default: {} },
  ),
})
export type Config = Static<typeof ConfigSchema>
