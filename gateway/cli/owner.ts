// `corral who`, `keys pause|resume|kick|mine ID`, `pause-all`, `resume-all`: the owner in
// charge of their GPU. Pause and resume edit the data dir when no server runs (they are
// config); `who` and `kick` are about requests in flight, so they need the running server.
import type { Config } from '../config/schema.js'
import type { Activity } from '../owner/activity.js'
import {
  OwnerInputError,
  parseDuration,
  pauseEveryone,
  pauseKey,
  resumeEveryone,
  resumeKey,
  setOwnKey,
} from '../owner/manage.js'
import { CliError, openStore, type CliContext, type ControlClient } from './context.js'
import type { ControlMethod } from '../control/client.js'
import { serverFor } from './other-folder.js'
import { WHO_LEGEND, whoRows } from './who-table.js'
import { need, str, type Flags } from './keys.js'

/** The `keys` subcommands this file answers. */
export const OWNER_KEY_COMMANDS = new Set(['pause', 'resume', 'kick', 'mine'])

type Update = (m: (c: Config) => Config | void) => Promise<Config>

export async function ownerKeyCommand(
  ctx: CliContext,
  sub: string,
  args: string[],
  flags: Flags,
): Promise<void> {
  const id = need(args[0], `keys ${sub} ID`)
  const path = `/control/keys/${encodeURIComponent(id)}`
  switch (sub) {
    case 'pause': {
      const input = { for: duration(flags.for), queue: flags.queue === true }
      const p = await viaServerOrStore(ctx, ['POST', `${path}/pause`, input], (u) =>
        pauseKey(u, id, input, Date.now()),
      )
      return say(
        ctx,
        p,
        `Key "${p.keyName}" paused ${untilText(p.until)}${p.queue ? '; its requests wait' : ''}.`,
      )
    }
    case 'resume': {
      const r = await viaServerOrStore(ctx, ['POST', `${path}/resume`], (u) => resumeKey(u, id))
      return say(
        ctx,
        r,
        r.wasPaused ? `Key "${r.keyName}" resumed.` : `Key "${r.keyName}" was not paused.`,
      )
    }
    case 'mine': {
      const own = flags.off !== true
      const r = await viaServerOrStore(ctx, ['PUT', `${path}/own`, { own }], (u) =>
        setOwnKey(u, id, own),
      )
      const text = own
        ? `Key "${r.keyName}" is yours: it keeps working while everyone else is paused.`
        : `Key "${r.keyName}" is no longer marked as yours.`
      return say(ctx, r, text)
    }
    case 'kick': {
      const server = await needServer(ctx, 'keys kick')
      const k = await server.call<{ keyName: string; running: number; queued: number }>(
        'POST',
        `${path}/kick`,
      )
      return say(
        ctx,
        k,
        `Key "${k.keyName}": ${k.running} running and ${k.queued} waiting requests cancelled.`,
      )
    }
  }
}

export async function pauseAllCommand(ctx: CliContext, flags: Flags): Promise<void> {
  const input = { for: duration(flags.for) }
  const p = await viaServerOrStore(ctx, ['POST', '/control/pause-all', input], (u) =>
    pauseEveryone(u, input, Date.now()),
  )
  say(
    ctx,
    p,
    `Everyone but you is paused ${untilText(p.until)} (this machine and your keys keep working).`,
  )
}

export async function resumeAllCommand(ctx: CliContext): Promise<void> {
  const r = await viaServerOrStore(ctx, ['POST', '/control/resume-all'], (u) => resumeEveryone(u))
  say(ctx, r, r.resumed > 0 ? 'Everyone is resumed.' : 'Nothing was paused.')
}

export async function whoCommand(ctx: CliContext): Promise<void> {
  const server = await needServer(ctx, 'who')
  const now = await server.get<Activity>('/control/activity/now')
  if (ctx.json) return ctx.out(JSON.stringify(now))
  ctx.out(whoText(now))
}

/** The `who` table: one line per key with work in flight or waiting, then the pauses. */
export function whoText(a: Activity): string {
  const lines: string[] = []
  if (a.everyone !== null) lines.push(`Everyone but you is paused ${untilText(a.everyone.until)}.`)
  if (a.keys.length === 0) lines.push('Nobody is using the GPU right now.')
  else lines.push(whoRows(a), '', WHO_LEGEND)
  const idle = a.paused.filter((p) => !a.keys.some((k) => k.keyId === p.keyId))
  for (const p of idle) lines.push(`Paused: ${p.keyName} ${untilText(p.until)}.`)
  return lines.join('\n')
}

/** A `--for` duration, checked here so bad input is a usage error (exit 2) and nothing is sent. */
function duration(v: Flags[string]): string | null {
  if (v === undefined) return null
  const text = str(v)
  if (text === undefined) throw new CliError('--for needs a duration such as 30m, 2h or 1d', 2)
  try {
    parseDuration(text)
  } catch (err) {
    throw new CliError((err as Error).message, 2)
  }
  return text
}

async function viaServerOrStore<T>(
  ctx: CliContext,
  [method, path, body]: [ControlMethod, string, unknown?],
  viaStore: (update: Update) => Promise<T>,
): Promise<T> {
  const server = await serverFor(ctx)
  if (server) return server.call<T>(method, path, body)
  const store = openStore(ctx)
  try {
    return await viaStore((m) => store.update(m))
  } catch (err) {
    if (err instanceof OwnerInputError) throw new CliError(err.message, err.status === 400 ? 2 : 1)
    throw err
  } finally {
    store.close()
  }
}

async function needServer(ctx: CliContext, command: string): Promise<ControlClient> {
  const server = await serverFor(ctx)
  if (server) return server
  throw new CliError(
    `Corral is not running for ${ctx.dataDir}: "${command}" acts on requests in flight, so it needs the running server (start it: npx corral serve)`,
  )
}

function say(ctx: CliContext, result: unknown, text: string): void {
  ctx.out(ctx.json ? JSON.stringify(result) : text)
}

function untilText(until: string | null): string {
  return until === null ? 'until you resume it' : `until ${new Date(until).toLocaleString()}`
}
