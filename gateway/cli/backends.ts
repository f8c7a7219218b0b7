// `corral backends list|add|remove` and `corral access list|allow|deny|remove`
import { addBackend, removeBackend, updateBackend } from '../backends/manage.js'
import { validateAccessEntry } from '../access/ip-filter.js'
import { CliError, openStore, type CliContext, type ControlClient } from './context.js'
import { serverFor } from './other-folder.js'
import { need, str, type Flags } from './keys.js'
import { table } from './format.js'

interface BackendRow {
  id: string
  name: string
  url: string
  state?: string
  latencyMs?: number | null
  models?: string[]
  source: string
  capacity?: number
  effectiveCapacity?: number
  inFlight?: number
  queued?: number
  full?: boolean
}
interface CandidateRow {
  name: string
  url: string
  needsKey: boolean
  app: string | null
  /** Why the name may mislead (discovery/collisions.ts); absent from older servers. */
  nameClash?: string | null
}

export async function backendsCommand(
  ctx: CliContext,
  sub: string | undefined,
  args: string[],
  flags: Flags,
) {
  const server = await serverFor(ctx)
  switch (sub) {
    case 'list':
    case undefined: {
      let data: { backends: BackendRow[]; candidates: CandidateRow[] }
      if (server) data = await server.get('/control/backends')
      else {
        const store = openStore(ctx)
        data = {
          backends: store.current.backends.map((b) => ({ ...b, key: undefined })),
          candidates: [],
        }
        store.close()
      }
      if (ctx.json) return ctx.out(JSON.stringify(data))
      const lines = [
        table(
          ['ID', 'NAME', 'URL', 'HEALTH', 'LATENCY', 'LOAD', 'CAPACITY', 'MODELS'],
          data.backends.map((b) => [
            b.id,
            b.name,
            b.url,
            b.state ?? (server ? '-' : 'not running'),
            b.latencyMs == null ? '-' : `${b.latencyMs} ms`,
            loadText(b),
            capacityText(b),
            (b.models ?? []).join(', ') || '-',
          ]),
        ),
      ]
      if (data.candidates.length > 0) {
        lines.push('', 'Found on the LAN (add with: corral backends add NAME):')
        lines.push(
          table(
            ['NAME', 'URL', 'NEEDS KEY', 'KIND', 'NOTE'],
            data.candidates.map((c) => [
              c.name,
              c.url,
              c.needsKey ? 'yes' : 'no',
              c.app ?? 'ollama',
              c.nameClash ? `name clash: ${c.nameClash}` : '',
            ]),
          ),
        )
      }
      return ctx.out(lines.join('\n'))
    }
    case 'add': {
      const target = need(
        args[0],
        'backends add URL|CANDIDATE [--name N] [--key K [--confirm-key]] [--weight N]',
      )
      const looksLikeAddress = /[:/.]/.test(target) || target === 'localhost'
      const input = {
        ...(looksLikeAddress ? { url: target } : { candidate: target }),
        name: str(flags.name),
        key: str(flags.key) ?? null,
        confirmKey: flags['confirm-key'] === true,
        weight: flags.weight === undefined ? undefined : Number(flags.weight),
      }
      const added = server
        ? await server.call<BackendRow>('POST', '/control/backends', input)
        : await withStore(ctx, (update) => addBackend(update, input))
      return ctx.out(
        ctx.json ? JSON.stringify(added) : `Backend "${added.name}" added (${added.url}).`,
      )
    }
    case 'remove': {
      const id = need(args[0], 'backends remove ID|NAME')
      const removed = server
        ? await server.call<BackendRow>('DELETE', `/control/backends/${encodeURIComponent(id)}`)
        : await withStore(ctx, (update) => removeBackend(update, id))
      return ctx.out(ctx.json ? JSON.stringify(removed) : `Backend "${removed.name}" removed.`)
    }
    case 'update':
      return updateCmd(ctx, server, args, flags)
    default:
      throw new CliError(`unknown command "backends ${sub}" (list, add, remove, update)`, 2)
  }
}

/**
 * `backends update ID --accept-vulnerable`: keep model management open on a backend whose
 * Ollama has a known vulnerability (advisories/); `--refuse-vulnerable` closes it again.
 */
async function updateCmd(
  ctx: CliContext,
  server: ControlClient | null,
  args: string[],
  flags: Flags,
) {
  const usage = 'backends update ID|NAME --accept-vulnerable|--refuse-vulnerable'
  const id = need(args[0], usage)
  const accept = flags['accept-vulnerable'] === true
  if (accept === (flags['refuse-vulnerable'] === true))
    throw new CliError(`say one of --accept-vulnerable or --refuse-vulnerable: ${usage}`, 2)
  const patch = { acceptVulnerable: accept }
  const updated = server
    ? await server.call<BackendRow>('PATCH', `/control/backends/${encodeURIComponent(id)}`, patch)
    : await withStore(ctx, (update) => updateBackend(update, id, patch))
  ctx.out(
    ctx.json
      ? JSON.stringify(updated)
      : accept
        ? `Backend "${updated.name}": model management stays open although its Ollama has a known vulnerability. Update Ollama soon.`
        : `Backend "${updated.name}": model management is closed while its Ollama has a known vulnerability.`,
  )
}

/** `2 running, 5 waiting`; `-` when no server runs. */
function loadText(b: BackendRow): string {
  if (b.inFlight === undefined) return '-'
  return `${b.inFlight} running` + (b.queued ? `, ${b.queued} waiting` : '')
}

/** The slots it has now; a learned one says so and what the setting is. */
function capacityText(b: BackendRow): string {
  if (b.effectiveCapacity === undefined || !b.full) return String(b.capacity ?? '-')
  return `${b.effectiveCapacity} (said busy; set ${b.capacity})`
}

type AccessLists = { allow: string[]; deny: string[]; trustedProxies: string[] }
const LISTS = ['allow', 'deny', 'trustedProxies'] as const

export async function accessCommand(
  ctx: CliContext,
  sub: string | undefined,
  args: string[],
  flags: Flags,
) {
  const server = await serverFor(ctx)
  const show = (a: AccessLists) =>
    ctx.out(
      ctx.json
        ? JSON.stringify(a)
        : LISTS.map((l) => `${l}: ${a[l].length ? a[l].join(', ') : '(empty)'}`).join('\n'),
    )
  if (sub === 'list' || sub === undefined) {
    if (server) return show(await server.get('/control/access'))
    return withStore(ctx, async (_u, current) => show(current().access))
  }
  const entry = need(args[0], `access ${sub} ADDRESS|CIDR`)
  if (sub === 'allow' || sub === 'deny' || sub === 'trust') {
    const list = sub === 'trust' ? 'trustedProxies' : sub
    const problem = validateAccessEntry(entry)
    if (problem) throw new CliError(problem, 2)
    if (server) return show(await server.call('POST', `/control/access/${list}`, { entry }))
    return withStore(ctx, async (update) =>
      show(
        (await update((c) => void (c.access[list].includes(entry) || c.access[list].push(entry))))
          .access,
      ),
    )
  }
  if (sub === 'remove') {
    const from = (str(flags.list) ?? null) as (typeof LISTS)[number] | null
    if (from && !LISTS.includes(from))
      throw new CliError(`--list must be one of ${LISTS.join(', ')}`, 2)
    return withStore(ctx, async (update, current) => {
      const lists = from ? [from] : LISTS.filter((l) => current().access[l].includes(entry))
      if (lists.length === 0) throw new CliError(`${entry} is in no access list`)
      let result: AccessLists = current().access
      for (const l of lists) {
        result = server
          ? await server.call('DELETE', `/control/access/${l}?entry=${encodeURIComponent(entry)}`)
          : (await update((c) => void (c.access[l] = c.access[l].filter((e) => e !== entry))))
              .access
      }
      show(result)
    })
  }
  throw new CliError(`unknown command "access ${sub}" (list, allow, deny, trust, remove)`, 2)
}

type Update = Parameters<typeof addBackend>[0]
async function withStore<T>(
  ctx: CliContext,
  fn: (update: Update, current: () => ReturnType<typeof openStore>['current']) => Promise<T>,
): Promise<T> {
  const store = openStore(ctx)
  try {
    return await fn(
      (m) => store.update(m),
      () => store.current,
    )
  } finally {
    store.close()
  }
}
