// Enrolling, approving, refusing and forgetting device keys: shared by the control API and
// the CLI (which edits the data dir itself when no server runs). Each write goes through
// the store's `update`, so it is validated and atomic.
import type { Config } from '../config/schema.js'
import { MAX_DENIED_DEVICES, type DeviceKeyRecord } from '../config/device-schema.js'
import { createKey, findKey, KeyInputError, type UpdateConfig } from './manage.js'
import {
  parsePublicKeyLine,
  PublicKeyError,
  publicKeyLine,
  printable,
} from '../device-keys/ssh-key.js'
import {
  deviceId,
  labelOf,
  type PendingDevice,
  type PendingDevices,
} from '../device-keys/pending.js'

export interface EnrolledDeviceView extends DeviceKeyRecord {
  id: string
  keyId: string
  keyName: string
}

export interface DeniedDeviceView {
  id: string
  publicKey: string
  fingerprint: string
  label: string
  deniedAt: string
}

export interface PendingDeviceView extends PendingDevice {
  label: string
}

export interface DevicesView {
  pending: PendingDeviceView[]
  denied: DeniedDeviceView[]
  enrolled: EnrolledDeviceView[]
}

export function devicesView(config: Config, pending: PendingDevices | null): DevicesView {
  return {
    pending: (pending?.list() ?? []).map((d) => ({ ...d, label: labelOf(d) })),
    denied: (config.devices?.denied ?? []).map((d) => ({ id: deviceId(d.fingerprint), ...d })),
    enrolled: config.keys.flatMap((k) =>
      (k.devices ?? []).map((d) => ({
        id: deviceId(d.fingerprint),
        keyId: k.id,
        keyName: k.name,
        ...d,
      })),
    ),
  }
}

/** Bind a public key (a pasted `ssh-ed25519 AAAA... comment` line) to a key. */
export async function addDevice(
  update: UpdateConfig,
  keyIdOrName: string,
  input: { publicKey: string; name?: string },
  now: Date = new Date(),
): Promise<{ keyId: string; keyName: string; device: DeviceKeyRecord }> {
  const parsed = parseLine(input.publicKey)
  const name = deviceName(input.name, parsed.comment, parsed.fingerprint)
  const device: DeviceKeyRecord = {
    publicKey: publicKeyLine(parsed),
    fingerprint: parsed.fingerprint,
    name,
    addedAt: now.toISOString(),
  }
  let owner = { keyId: '', keyName: '' }
  await update((c) => {
    const key = findKey(c, keyIdOrName)
    if (key.revokedAt !== null) throw new KeyInputError(`key "${key.name}" is revoked`, 409)
    const holder = c.keys.find((k) =>
      (k.devices ?? []).some((d) => d.fingerprint === device.fingerprint),
    )
    if (holder) {
      throw new KeyInputError(
        `device ${device.fingerprint} already belongs to key "${holder.name}" (${holder.id}); remove it there first`,
        409,
      )
    }
    if ((key.devices ?? []).length >= 100) {
      throw new KeyInputError(`key "${key.name}" has 100 devices already`, 409)
    }
    key.devices = [...(key.devices ?? []), device]
    if (c.devices)
      c.devices.denied = c.devices.denied.filter((d) => d.fingerprint !== device.fingerprint)
    owner = { keyId: key.id, keyName: key.name }
  })
  return { ...owner, device }
}

/** Unbind a device (by fingerprint, or the short id `corral devices list` shows) from a key. */
export async function removeDevice(
  update: UpdateConfig,
  keyIdOrName: string,
  fingerprintOrId: string,
): Promise<DeviceKeyRecord> {
  let removed: DeviceKeyRecord | null = null
  await update((c) => {
    const key = findKey(c, keyIdOrName)
    const devices = key.devices ?? []
    removed = devices.find((d) => matches(d.fingerprint, fingerprintOrId)) ?? null
    if (removed === null) {
      throw new KeyInputError(
        `key "${key.name}" has no device ${printable(fingerprintOrId).slice(0, 60)}`,
        404,
      )
    }
    key.devices = devices.filter((d) => d !== removed)
  })
  return removed!
}

/** Allow a waiting device: onto an existing key (`as`), or a new key named `name`. */
export async function approveDevice(
  update: UpdateConfig,
  pending: PendingDevices,
  id: string,
  input: { as?: string; name?: string; deviceName?: string },
  now: Date = new Date(),
): Promise<{ keyId: string; keyName: string; device: DeviceKeyRecord; created: boolean }> {
  const p = pending.find(id)
  if (p === null) {
    throw new KeyInputError(
      `no device ${printable(id).slice(0, 60)} is waiting (corral devices list)`,
      404,
    )
  }
  if (input.as && input.name)
    throw new KeyInputError('give either an existing key or a new name, not both')
  const deviceName = input.deviceName ?? labelOf(p)
  let keyId = input.as
  let created = false
  if (!keyId) {
    const name = (input.name ?? '').trim() || deviceName.slice(0, 100)
    keyId = (await createKey(update, { name }, now)).record.id
    created = true
  }
  const out = await addDevice(update, keyId, { publicKey: p.publicKey, name: deviceName }, now)
  pending.remove(p.fingerprint)
  return { ...out, created }
}

/** Refuse a waiting device: it is remembered (config.json) and gets 403 from then on. */
export async function denyDevice(
  update: UpdateConfig,
  pending: PendingDevices,
  id: string,
  now: Date = new Date(),
): Promise<DeniedDeviceView> {
  const p = pending.find(id)
  if (p === null) {
    throw new KeyInputError(
      `no device ${printable(id).slice(0, 60)} is waiting (corral devices list)`,
      404,
    )
  }
  const record = {
    publicKey: p.publicKey,
    fingerprint: p.fingerprint,
    label: labelOf(p).slice(0, 200),
    deniedAt: now.toISOString(),
  }
  await update((c) => {
    const denied = (c.devices?.denied ?? []).filter((d) => d.fingerprint !== p.fingerprint)
    denied.push(record)
    c.devices = { denied: denied.slice(-MAX_DENIED_DEVICES) }
  })
  pending.remove(p.fingerprint)
  return { id: deviceId(p.fingerprint), ...record }
}

/** Forget a waiting or refused device: it may ask again. */
export async function forgetDevice(
  update: UpdateConfig,
  pending: PendingDevices | null,
  id: string,
): Promise<void> {
  const p = pending?.find(id) ?? null
  if (p !== null) pending!.remove(p.fingerprint)
  let found = p !== null
  await update((c) => {
    const denied = c.devices?.denied ?? []
    const kept = denied.filter((d) => !matches(d.fingerprint, id))
    if (kept.length !== denied.length) {
      found = true
      c.devices = { denied: kept }
    }
  })
  if (!found) {
    throw new KeyInputError(`no waiting or refused device ${printable(id).slice(0, 60)}`, 404)
  }
}

function matches(fingerprint: string, fingerprintOrId: string): boolean {
  return fingerprint === fingerprintOrId || deviceId(fingerprint) === fingerprintOrId
}

function parseLine(line: string) {
  try {
    return parsePublicKeyLine(line)
  } catch (err) {
    if (err instanceof PublicKeyError) throw new KeyInputError(err.message)
    throw err
  }
}

function deviceName(given: string | undefined, comment: string, fingerprint: string): string {
  const n = printable(given ?? '').slice(0, 100) || comment || `device ${fingerprint.slice(7, 15)}`
  return n.slice(0, 100)
}
