// Who may use the gateway: the allow, deny and trusted-proxy lists, and the
// presets the UI offers ("LAN only", "this subnet", "this machine").
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import { validateAccessEntry } from '../access/ip-filter.js'
import { ACCESS_PRESETS } from '../access/presets.js'
import { ControlError, CONTROL_PREFIX } from './common.js'
import { AccessEntries, AccessEntry, AccessListName, AccessLists, AccessPreset } from './schemas.js'

const P = CONTROL_PREFIX
type ListName = Static<typeof AccessListName>
type Preset = Static<typeof AccessPreset>

export interface AccessRouteOptions {
  /** This machine's subnets; default: from its network interfaces (tests pass their own). */
  subnets?: () => string[]
}

/** The presets, computed now (interfaces come and go: Wi-Fi, VPN). Loopback is in each. */
export function accessPresets(subnets: () => string[] = ACCESS_PRESETS.thisSubnet): Preset[] {
  const local = [...ACCESS_PRESETS.thisMachine]
  const mine = subnets()
  return [
    {
      id: 'lan',
      label: 'LAN only',
      description:
        'Private, link-local and CGNAT addresses: your home or office network, and this machine. The default.',
      entries: [...ACCESS_PRESETS.lan],
    },
    {
      id: 'thisSubnet',
      label: 'This subnet',
      description:
        mine.length > 0
          ? `Only the network this computer is on (${mine.join(', ')}), and this machine.`
          : 'This computer is on no network right now: only this machine.',
      entries: [...local, ...mine],
    },
    {
      id: 'thisMachine',
      label: 'This machine',
      description: 'Only programs on this computer. Nobody on the LAN can connect.',
      entries: local,
    },
  ]
}

export function registerAccessRoutes(
  app: FastifyInstance,
  corral: Corral,
  opts: AccessRouteOptions = {},
): void {
  const tags = ['access']
  const ListParam = Type.Object({ list: AccessListName })
  const cleanEntry = (raw: string) => {
    const entry = raw.trim()
    const problem = validateAccessEntry(entry)
    if (problem) throw new ControlError(400, problem)
    return entry
  }

  app.get(
    `${P}/access`,
    {
      schema: {
        summary: 'The allow, deny and trusted-proxy lists',
        tags,
        response: { 200: AccessLists },
      },
    },
    async () => corral.config.access,
  )
  app.get(
    `${P}/access/presets`,
    {
      schema: {
        summary: 'Ready-made allow lists, computed for this machine now',
        tags,
        response: { 200: Type.Array(AccessPreset) },
      },
    },
    async () => accessPresets(opts.subnets),
  )
  app.post<{ Params: { list: ListName }; Body: Static<typeof AccessEntry> }>(
    `${P}/access/:list`,
    {
      schema: {
        summary: 'Add an address or CIDR to a list',
        tags,
        params: ListParam,
        body: AccessEntry,
        response: { 200: AccessLists },
      },
    },
    async (req) => {
      const entry = cleanEntry(req.body.entry)
      const next = await corral.update((c) => {
        const list = c.access[req.params.list]
        if (!list.includes(entry)) list.push(entry)
      })
      return next.access
    },
  )
  app.put<{ Params: { list: ListName }; Body: Static<typeof AccessEntries> }>(
    `${P}/access/:list`,
    {
      schema: {
        summary: 'Replace a whole list (e.g. with a preset)',
        tags,
        params: ListParam,
        body: AccessEntries,
        response: { 200: AccessLists },
      },
    },
    async (req) => {
      const entries = [...new Set(req.body.entries.map(cleanEntry))]
      if (req.params.list === 'allow' && entries.length === 0) {
        throw new ControlError(
          400,
          'an empty allow list would refuse everyone; allow at least this machine',
        )
      }
      const next = await corral.update((c) => {
        c.access[req.params.list] = entries
      })
      return next.access
    },
  )
  app.delete<{ Params: { list: ListName }; Querystring: Static<typeof AccessEntry> }>(
    `${P}/access/:list`,
    {
      schema: {
        summary: 'Remove an entry from a list',
        tags,
        params: ListParam,
        querystring: AccessEntry,
        response: { 200: AccessLists },
      },
    },
    async (req) => {
      const entry = req.query.entry.trim()
      if (!corral.config.access[req.params.list].includes(entry)) {
        throw new ControlError(404, `${entry} is not in the ${req.params.list} list`)
      }
      const next = await corral.update((c) => {
        c.access[req.params.list] = c.access[req.params.list].filter((e) => e !== entry)
      })
      return next.access
    },
  )
}
