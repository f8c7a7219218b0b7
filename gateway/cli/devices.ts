// `corral devices list|approve|deny|forget` and the device flags of `corral keys create|update`
// (`--device "ssh-ed25519 AAAA..."`, `--remove-device FINGERPRINT`): `ollama` CLIs that sign
// their requests with ~/.ollama/id_ed25519 (gateway/device-keys/).
import type { ConfigStore } from '../config/store.js'
import type { DeviceKeyRecord } from '../config/device-schema.js'
import {
  addDevice,
  devicesView,
  forgetDevice,
  removeDevice,
  type DevicesView,
} from '../auth/device-enrol.js'
import { parsePublicKeyLine, PublicKeyError } from '../device-keys/ssh-key.js'
import { CliError, openStore, type CliContext, type ControlClient } from './context.js'
import { serverFor } from './other-folder.js'
import { table } from './format.js'
import type { Flags } from './keys.js'

type KeysCommand = (
  ctx: CliContext,
  sub: string | undefined,
  args: string[],
  flags: Flags,
) => Promise<void>

const DEVICE_FLAGS = ['device', 'remove-device'] as const

export function hasDeviceFlags(flags: Flags): boolean {
  return DEVICE_FLAGS.some((f) => flags[f] !== undefined)
}

function many(v: Flags[string]): string[] {
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : []
}

/** `keys create|update` with device flags: the key's own part first, then its devices. */
export async function keysWithDevices(
  ctx: CliContext,
  sub: 'create' | 'update',
  args: string[],
  flags: Flags,
  keysCommand: KeysCommand,
): Promise<void> {
  const adds = many(flags.device)
  for (const line of adds) {
    try {
      parsePublicKeyLine(line)
    } catch (err) {
      if (err instanceof PublicKeyError) throw new CliError(`--device: ${err.message}`, 2)
      throw err
    }
  }
  const removes = many(flags['remove-device'])
  if (sub === 'create' && removes.length > 0)
    throw new CliError('--remove-device is for keys update', 2)
  const rest: Flags = { ...flags, device: undefined, 'remove-device': undefined }
  let keyId: string
  let created: { id: string; name: string; key: string } | null = null
  if (sub === 'create') {
    let text = ''
    await keysCommand({ ...ctx, json: true, out: (t) => (text += t) }, 'create', args, rest)
    created = JSON.parse(text) as { id: string; name: string; key: string }
    keyId = created.id
  } else {
    keyId = args[0] ?? ''
    if (!keyId)
      throw new CliError(
        'usage: corral keys update ID --device "ssh-ed25519 ..." | --remove-device FINGERPRINT',
        2,
      )
    const other = Object.entries(rest).some(
      ([k, v]) => v !== undefined && !['json', 'data-dir'].includes(k),
    )
    if (other) await keysCommand({ ...ctx, out: () => {} }, 'update', args, rest)
  }
  const bound: DeviceKeyRecord[] = []
  const removed: DeviceKeyRecord[] = []
  await withBackend(ctx, async (server, store) => {
    for (const fp of removes) {
      removed.push(
        server
          ? await server.call<DeviceKeyRecord>(
              'DELETE',
              `/control/keys/${enc(keyId)}/devices/${enc(fp)}`,
            )
          : await removeDevice((m) => store!.update(m), keyId, fp),
      )
    }
    for (const publicKey of adds) {
      const out = server
        ? await server.call<{ device: DeviceKeyRecord }>(
            'POST',
            `/control/keys/${enc(keyId)}/devices`,
            {
              publicKey,
            },
          )
        : await addDevice((m) => store!.update(m), keyId, { publicKey })
      bound.push(out.device)
    }
  })
  if (ctx.json) {
    ctx.out(JSON.stringify({ ...(created ?? { id: keyId }), devices: bound, removed }))
    return
  }
  const lines: string[] = []
  if (created) {
    lines.push(
      `Key "${created.name}" created (id ${created.id}). It is shown only now:`,
      '',
      `  ${created.key}`,
      '',
    )
  }
  for (const d of bound) lines.push(`Device ${d.fingerprint} ("${d.name}") now uses key ${keyId}.`)
  for (const d of removed)
    lines.push(`Device ${d.fingerprint} ("${d.name}") removed from key ${keyId}.`)
  if (bound.length > 0) {
    lines.push(
      '',
      'On that computer: export OLLAMA_HOST=http://THIS-HOST:11435 and export OLLAMA_AUTH=1',
    )
  }
  ctx.out(lines.join('\n'))
}

export async function devicesCommand(
  ctx: CliContext,
  sub: string | undefined,
  args: string[],
  flags: Flags,
) {
  switch (sub) {
    case 'list':
    case undefined:
      return listCmd(ctx)
    case 'approve':
      return approveCmd(ctx, need(args[0], 'devices approve ID [--as KEY | --name N]'), flags)
    case 'deny':
      return decideCmd(ctx, need(args[0], 'devices deny ID'), 'deny')
    case 'forget':
      return forgetCmd(ctx, need(args[0], 'devices forget ID'))
    default:
      throw new CliError(`unknown command "devices ${sub}" (list, approve, deny, forget)`, 2)
  }
}

async function listCmd(ctx: CliContext): Promise<void> {
  let view: DevicesView
  let running = true
  const server = await serverFor(ctx)
  if (server) view = await server.get<DevicesView>('/control/devices')
  else {
    running = false
    const store = openStore(ctx)
    view = devicesView(store.current, null)
    store.close()
  }
  if (ctx.json) return ctx.out(JSON.stringify(view))
  const out: string[] = []
  if (view.pending.length > 0) {
    out.push('Waiting for you (corral devices approve ID [--as KEY | --name N], or deny ID):')
    out.push(
      table(
        ['ID', 'DEVICE', 'FINGERPRINT', 'LAST TRY'],
        view.pending.map((d) => [
          d.id,
          d.label,
          d.fingerprint,
          new Date(d.lastSeen).toLocaleString(),
        ]),
      ),
    )
  } else if (running) out.push('No device is waiting.')
  else
    out.push(
      'Corral is not running: devices waiting on first use are known only to a running Corral.',
    )
  if (view.enrolled.length > 0) {
    out.push('', 'Allowed:')
    out.push(
      table(
        ['ID', 'NAME', 'KEY', 'FINGERPRINT', 'ADDED'],
        view.enrolled.map((d) => [
          d.id,
          d.name,
          `${d.keyName} (${d.keyId})`,
          d.fingerprint,
          d.addedAt,
        ]),
      ),
    )
  }
  if (view.denied.length > 0) {
    out.push('', 'Refused (corral devices forget ID lets one ask again):')
    out.push(
      table(
        ['ID', 'DEVICE', 'FINGERPRINT', 'REFUSED'],
        view.denied.map((d) => [d.id, d.label, d.fingerprint, d.deniedAt]),
      ),
    )
  }
  ctx.out(out.join('\n'))
}

async function approveCmd(ctx: CliContext, id: string, flags: Flags): Promise<void> {
  const as = typeof flags.as === 'string' ? flags.as : undefined
  const name = typeof flags.name === 'string' ? flags.name : undefined
  if (as && name) throw new CliError('give --as KEY or --name N, not both', 2)
  const server = await running(ctx)
  const out = await server.call<{
    keyId: string
    keyName: string
    created: boolean
    device: DeviceKeyRecord
  }>('POST', `/control/devices/${enc(id)}/approve`, {
    ...(as ? { as } : {}),
    ...(name ? { name } : {}),
  })
  if (ctx.json) return ctx.out(JSON.stringify(out))
  ctx.out(
    `Device ${out.device.fingerprint} allowed as ${out.created ? 'new ' : ''}key "${out.keyName}" (${out.keyId}).`,
  )
}

async function decideCmd(ctx: CliContext, id: string, _what: 'deny'): Promise<void> {
  const server = await running(ctx)
  const out = await server.call<{ fingerprint: string; label: string }>(
    'POST',
    `/control/devices/${enc(id)}/deny`,
  )
  ctx.out(ctx.json ? JSON.stringify(out) : `Device ${out.fingerprint} (${out.label}) refused.`)
}

async function forgetCmd(ctx: CliContext, id: string): Promise<void> {
  await withBackend(ctx, async (server, store) => {
    if (server) await server.call('DELETE', `/control/devices/${enc(id)}`)
    else await forgetDevice((m) => store!.update(m), null, id)
  })
  ctx.out(ctx.json ? JSON.stringify({ ok: true }) : `Device ${id} forgotten: it may ask again.`)
}

async function running(ctx: CliContext): Promise<ControlClient> {
  const server = await serverFor(ctx)
  if (!server) {
    throw new CliError(
      `Corral is not running for ${ctx.dataDir}: devices wait for approval in the running server. Start it: npx corral serve`,
      3,
    )
  }
  return server
}

async function withBackend(
  ctx: CliContext,
  fn: (server: ControlClient | null, store: ConfigStore | null) => Promise<void>,
): Promise<void> {
  const server = await serverFor(ctx)
  if (server) return fn(server, null)
  const store = openStore(ctx)
  try {
    await fn(null, store)
  } catch (err) {
    if (err instanceof Error && err.name === 'KeyInputError') throw new CliError(err.message)
    throw err
  } finally {
    store.close()
  }
}

function need(v: string | undefined, usage: string): string {
  if (!v) throw new CliError(`usage: corral ${usage}`, 2)
  return v
}

function enc(s: string): string {
  return encodeURIComponent(s)
}
