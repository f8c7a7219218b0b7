// The one schema for config.json. Every field has a default, so `{}` is a valid
// file and an older file gains new settings without a migration step of its own.
import { DEFAULT_ALLOWED_ORIGINS } from '../cors/index.js'
import { Type, type Static } from '@sinclair/typebox'
import { DevicesSettingsSchema } from './device-schema.js'

import {
  BackendSchema,
  KeySchema,
  LimitsSchema,
  PauseSchema,
  RememberedNetworkSchema,
  TlsSchema,
} from './records.js'

export * from './records.js'

export const CONFIG_VERSION = 1

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
