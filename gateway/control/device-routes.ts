// The control API of device keys (gateway/device-keys/): the devices bound to keys, those
// waiting for the owner on first use and those refused; allow, deny, forget; bind a pasted
// public key to a key or take it off. The desktop app's tray and notifications use the
// same routes (and `event: device` on GET /control/events).
import type { FastifyInstance } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import type { Corral } from '../core.js'
import { CONTROL_PREFIX } from './common.js'
import {
  addDevice,
  approveDevice,
  denyDevice,
  devicesView,
  forgetDevice,
  removeDevice,
} from '../auth/device-enrol.js'

const P = CONTROL_PREFIX
const tags = ['devices']

const Str = (max: number) => Type.String({ maxLength: max })
const DeviceRecord = Type.Object({
  publicKey: Type.String(),
  fingerprint: Type.String(),
  name: Type.String(),
  addedAt: Type.String(),
})
export const PendingDeviceView = Type.Object({
  id: Type.String(),
  publicKey: Type.String(),
  fingerprint: Type.String(),
  client: Type.String({ description: '`ollama 0.13.1 (amd64 linux)` from the User-Agent' }),
  address: Type.String(),
  label: Type.String({ description: 'client and address, ready to show' }),
  firstSeen: Type.Number(),
  lastSeen: Type.Number(),
  attempts: Type.Integer(),
})
const DeniedDeviceView = Type.Object({
  id: Type.String(),
  publicKey: Type.String(),
  fingerprint: Type.String(),
  label: Type.String(),
  deniedAt: Type.String(),
})
const EnrolledDeviceView = Type.Composite([
  DeviceRecord,
  Type.Object({ id: Type.String(), keyId: Type.String(), keyName: Type.String() }),
])
export const DevicesView = Type.Object({
  pending: Type.Array(PendingDeviceView),
  denied: Type.Array(DeniedDeviceView),
  enrolled: Type.Array(EnrolledDeviceView),
})
const DeviceBound = Type.Object({
  keyId: Type.String(),
  keyName: Type.String(),
  device: DeviceRecord,
  created: Type.Optional(Type.Boolean()),
})
const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) })
const KeyDeviceParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  fingerprint: Type.String({ minLength: 1, maxLength: 100 }),
})
const Approve = Type.Object({
  as: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'an existing key (id or name)' }),
  ),
  name: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'a new key named so' }),
  ),
  deviceName: Type.Optional(Str(100)),
})
const AddDevice = Type.Object({
  publicKey: Type.String({
    minLength: 1,
    maxLength: 2000,
    description: 'the line in ~/.ollama/id_ed25519.pub',
  }),
  name: Type.Optional(Str(100)),
})

export function registerDeviceRoutes(app: FastifyInstance, corral: Corral): void {
  const update = (m: Parameters<Corral['update']>[0]) => corral.update(m)
  const now = () => new Date(corral.now())

  app.get(
    `${P}/devices`,
    {
      schema: {
        summary: 'Devices (`ollama` CLIs that sign): waiting for the owner, refused, bound to keys',
        tags,
        response: { 200: DevicesView },
      },
    },
    async () => devicesView(corral.config, corral.pendingDevices),
  )
  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof Approve> }>(
    `${P}/devices/:id/approve`,
    {
      schema: {
        summary: 'Allow a waiting device, as a new key (`name`) or as an existing key (`as`)',
        tags,
        params: IdParam,
        body: Approve,
        response: { 200: DeviceBound },
      },
    },
    async (req) =>
      approveDevice(update, corral.pendingDevices, req.params.id, req.body ?? {}, now()),
  )
  app.post<{ Params: Static<typeof IdParam> }>(
    `${P}/devices/:id/deny`,
    {
      schema: {
        summary: 'Refuse a waiting device (remembered until forgotten)',
        tags,
        params: IdParam,
        response: { 200: DeniedDeviceView },
      },
    },
    async (req) => denyDevice(update, corral.pendingDevices, req.params.id, now()),
  )
  app.delete<{ Params: Static<typeof IdParam> }>(
    `${P}/devices/:id`,
    {
      schema: {
        summary: 'Forget a waiting or refused device (it may ask again)',
        tags,
        params: IdParam,
        response: { 200: Type.Object({ ok: Type.Boolean() }) },
      },
    },
    async (req) => {
      await forgetDevice(update, corral.pendingDevices, req.params.id)
      return { ok: true }
    },
  )
  app.post<{ Params: Static<typeof IdParam>; Body: Static<typeof AddDevice> }>(
    `${P}/keys/:id/devices`,
    {
      schema: {
        summary: "Bind a device's public key (~/.ollama/id_ed25519.pub) to a key",
        tags,
        params: IdParam,
        body: AddDevice,
        response: { 201: DeviceBound },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await addDevice(update, req.params.id, req.body, now())),
  )
  app.delete<{ Params: Static<typeof KeyDeviceParams> }>(
    `${P}/keys/:id/devices/:fingerprint`,
    {
      schema: {
        summary: 'Take a device off a key (by fingerprint or device id)',
        tags,
        params: KeyDeviceParams,
        response: { 200: DeviceRecord },
      },
    },
    async (req) => removeDevice(update, req.params.id, req.params.fingerprint),
  )
}
