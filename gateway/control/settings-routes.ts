// The Settings view's API: ports, bind address, mDNS, retention, default
// limits, the queue, start-at-login and which desktop notifications show, read and changed
// in one place (the desktop app reads the last two here too).
import net from 'node:net'
import os from 'node:os'
import type { FastifyInstance } from 'fastify'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import { VERSION } from '../core.js'
import { ConfigSchema, LimitsSchema, type Config } from '../config/schema.js'
import { ControlError, CONTROL_PREFIX } from './common.js'
import type { ControlOptions } from './options.js'
import { stripDefaults } from './schemas.js'
import { readPair } from '../tls/source.js'

const P = CONTROL_PREFIX
const C = ConfigSchema.properties

const Sections = {
  server: Type.Pick(C.server, ['host', 'port', 'controlPort', 'basePath', 'tls']),
  discovery: Type.Pick(C.discovery, ['mdns', 'name']),
  stats: Type.Pick(C.stats, ['enabled', 'retentionDays', 'rollupRetentionDays']),
  limits: Type.Object({ enabled: C.limits.properties.enabled, defaults: LimitsSchema }),
  queue: Type.Pick(C.queue, ['maxQueuedPerKey', 'maxWaitMs', 'localPriority']),
  desktop: Type.Pick(C.desktop, ['startAtLogin']),
  notifications: Type.Pick(C.notifications, ['newDevice', 'backendDown']),
  network: Type.Pick(C.network, ['bound']),
}
type SectionName = keyof typeof Sections

/** Settings paths that apply only when Corral starts again (its listeners are bound). */
const RESTART_PATHS = ['server.host', 'server.port', 'server.controlPort'] as const

export const SettingsView = Type.Object({
  ...Sections,
  running: Type.Object({
    version: Type.String(),
    controlPort: Type.Integer(),
    sharing: Type.Boolean(),
    gatewayUrls: Type.Array(Type.String()),
  }),
  addresses: Type.Array(
    Type.Object({ name: Type.String(), address: Type.String(), family: Type.String() }),
    { description: "This machine's interface addresses, for the bind-address choice." },
  ),
  restartRequired: Type.Array(Type.String(), {
    description: 'Saved settings that differ from what runs now: they apply after a restart.',
  }),
  overridden: Type.Array(Type.String(), {
    description: 'Saved settings a command-line flag or environment variable overrides.',
  }),
})

const SettingsPatchTyped = Type.Object(
  {
    server: Type.Optional(Type.Partial(Sections.server, { additionalProperties: false })),
    discovery: Type.Optional(Type.Partial(Sections.discovery, { additionalProperties: false })),
    stats: Type.Optional(Type.Partial(Sections.stats, { additionalProperties: false })),
    limits: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          defaults: Type.Optional(Type.Partial(LimitsSchema, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
    queue: Type.Optional(Type.Partial(Sections.queue, { additionalProperties: false })),
    desktop: Type.Optional(Type.Partial(Sections.desktop, { additionalProperties: false })),
    notifications: Type.Optional(
      Type.Partial(Sections.notifications, { additionalProperties: false }),
    ),
    network: Type.Optional(Type.Partial(Sections.network, { additionalProperties: false })),
  },
  { additionalProperties: false },
)
type SettingsPatch = Static<typeof SettingsPatchTyped>
/** Without `default`s: Fastify's validator would otherwise fill in every field left out. */
export const SettingsPatch = stripDefaults(SettingsPatchTyped)

export function registerSettingsRoutes(
  app: FastifyInstance,
  corral: Corral,
  opts: ControlOptions,
): void {
  const atStart = structuredClone(corral.store.current.server)
  const tags = ['settings']
  const view = () => settingsView(corral, opts, atStart)

  app.get(
    `${P}/settings`,
    { schema: { summary: 'The settings the UI edits', tags, response: { 200: SettingsView } } },
    async () => view(),
  )
  app.patch<{ Body: SettingsPatch }>(
    `${P}/settings`,
    {
      schema: {
        summary: 'Change some settings; answers with all of them',
        tags,
        body: SettingsPatch,
        response: { 200: SettingsView },
      },
    },
    async (req) => {
      const patch = req.body
      checkPatch(patch, corral.store.current, corral.now())
      const mdnsBefore = corral.config.discovery.mdns
      await corral.update((c) => applyPatch(c, patch))
      if (corral.config.discovery.mdns !== mdnsBefore) applyMdns(corral, opts)
      return view()
    },
  )
}

function settingsView(corral: Corral, opts: ControlOptions, atStart: Config['server']) {
  const saved = corral.store.current
  const effective = corral.config
  const sections = Object.fromEntries(
    (Object.keys(Sections) as SectionName[]).map((name) => [
      name,
      pickLike(Sections[name], saved[name]),
    ]),
  ) as { [K in SectionName]: Static<(typeof Sections)[K]> }
  const overridden: string[] = []
  for (const name of Object.keys(Sections) as SectionName[]) {
    for (const field of Object.keys(Sections[name].properties)) {
      const a = (saved[name] as Record<string, unknown>)[field]
      const b = (effective[name] as Record<string, unknown>)[field]
      if (JSON.stringify(a) !== JSON.stringify(b)) overridden.push(`${name}.${field}`)
    }
  }
  return {
    ...sections,
    running: {
      version: VERSION,
      controlPort: opts.port(),
      sharing: opts.sharing.isOn(),
      gatewayUrls: opts.sharing.urls(),
    },
    addresses: interfaceAddresses(),
    restartRequired: RESTART_PATHS.filter((p) => {
      const field = p.slice('server.'.length) as 'host' | 'port' | 'controlPort'
      return saved.server[field] !== atStart[field]
    }),
    overridden,
  }
}

/** Refusals in words, before anything is saved (the schema checks ranges and patterns). */
function checkPatch(patch: SettingsPatch, current: Config, now: number): void {
  const host = patch.server?.host
  if (host !== undefined && host !== 'localhost' && net.isIP(host) === 0) {
    throw new ControlError(
      400,
      `"${host}" is not an address to listen on: use 0.0.0.0 (every interface), 127.0.0.1 (this machine only) or one of this machine's addresses`,
    )
  }
  const port = patch.server?.port ?? current.server.port
  const controlPort = patch.server?.controlPort ?? current.server.controlPort
  if (port !== 0 && port === controlPort) {
    throw new ControlError(400, `the gateway and the control window cannot both use port ${port}`)
  }
  checkTlsPatch(patch.server?.tls, port, controlPort, now)
}

/** HTTPS settings that cannot work are refused before they are saved. */
function checkTlsPatch(
  tls: Config['server']['tls'] | undefined,
  port: number,
  control: number,
  now: number,
) {
  if (!tls) return
  if (tls.mode === 'files' && (!tls.certFile || !tls.keyFile)) {
    throw new ControlError(400, 'HTTPS with your own files needs both a certificate and a key file')
  }
  if (tls.mode === 'files') {
    // Checked before saving: files that cannot be used never replace what serves now.
    const pair = readPair(tls.certFile, tls.keyFile, now)
    if (!pair.ok) throw new ControlError(400, `${pair.error} Nothing was changed.`)
  }
  const plain = tls.plainPort
  if (plain !== null && (plain === port || plain === control)) {
    throw new ControlError(400, `plain HTTP needs a port of its own, not ${plain}`)
  }
}

function applyPatch(c: Config, patch: SettingsPatch): void {
  Object.assign(c.server, patch.server ?? {})
  Object.assign(c.discovery, patch.discovery ?? {})
  Object.assign(c.stats, patch.stats ?? {})
  Object.assign(c.queue, patch.queue ?? {})
  Object.assign(c.desktop, patch.desktop ?? {})
  Object.assign(c.notifications, patch.notifications ?? {})
  Object.assign(c.network, patch.network ?? {})
  if (patch.limits?.enabled !== undefined) c.limits.enabled = patch.limits.enabled
  Object.assign(c.limits.defaults, patch.limits?.defaults ?? {})
}

/** mDNS on or off takes effect now: withdraw, or advertise the running gateway. */
function applyMdns(corral: Corral, opts: ControlOptions): void {
  const url = opts.sharing.urls()[0]
  if (!corral.config.discovery.mdns || !url) {
    void corral.discovery.withdraw().catch(() => {})
    return
  }
  corral.discovery.advertise({
    name: corral.config.discovery.name || os.hostname(),
    port: Number(new URL(url).port),
    version: VERSION,
  })
}

function interfaceAddresses() {
  const out: Array<{ name: string; address: string; family: string }> = []
  for (const [name, infos] of Object.entries(os.networkInterfaces())) {
    for (const info of infos ?? []) {
      if (info.family === 'IPv4') out.push({ name, address: info.address, family: info.family })
    }
  }
  return out
}

/** The fields of `value` a section schema names, nothing else. */
function pickLike(
  schema: { properties: Record<string, TSchema> },
  value: object,
): Record<string, unknown> {
  const source = value as Record<string, unknown>
  return Object.fromEntries(Object.keys(schema.properties).map((k) => [k, source[k]]))
}
