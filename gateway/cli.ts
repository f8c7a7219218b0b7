// `corral`: serve, keys, backends, access, stats, status, import.
// stdout carries only results; diagnostics go to stderr.
import { parseArgs } from 'node:util'
import { usageError } from './cli/arg-errors.js'
import { addressInUseMessage } from './cli/listen-errors.js'
import cluster from 'node:cluster'
import path from 'node:path'
import { defaultDataDir } from './config/paths.js'
import { CliError, makeContext, type CliContext } from './cli/context.js'
import { serverFor } from './cli/other-folder.js'
import type { Flags } from './cli/keys.js'
import type { TlsStatus } from './tls/status.js'
import { brokenMessage, type ConfigProblem } from './config/broken.js'
import type { NetworkState } from './network/binding.js'
import { formatFingerprint } from './tls/fingerprint.js'

// Each command's module is loaded only when that command runs: `corral keys list`
// should not pay for loading the whole gateway.
import { escapeOutput } from './untrusted/escape.js'
import { VERSION } from './version.js'
import { WORKER_ENV } from './workers/fleet.js'

const USAGE = `corral ${VERSION}: share your Ollama on the LAN, safely.

Usage:
  corral serve [--host H] [--port P] [--control-port C] [--backend URL]... [--pull MODEL]... [--no-mdns]
               [--tls off|self-signed|files [--cert-file F --key-file F] [--plain-port P]]
               [--network-bound] [--workers N|auto]
  corral keys create --name N [--scopes inference,models,metrics,admin] [--models a,b]
                     [--rpm N | --requests N --window S] [--tpm N] [--concurrency N]
                     [--max-tokens N] [--expires 7d] [--subnet CIDR]
                     [--option NAME=VALUE]... [--keep-alive-max 30m]
                     [--allow-cloud | --deny-cloud]
  corral keys create --guest [--name N] [--expires 24h] [--subnet CIDR] [--models a,b]
  corral keys list [--all] | update ID [options as create] [--clear-options] | revoke ID
  corral keys create|update ... --device "ssh-ed25519 AAAA..." | update ID --remove-device FINGERPRINT
  corral devices list | approve ID [--as KEY | --name N] | deny ID | forget ID
  corral backends list | add URL|NAME [--name N] [--key K [--confirm-key]] [--weight N] | remove ID
                 | update ID --accept-vulnerable|--refuse-vulnerable
  corral pull MODEL [--all | --backend ID...]
  corral access list | allow CIDR | deny CIDR | trust CIDR | remove CIDR [--list allow|deny|trustedProxies]
  corral stats [--since 1h] [--by key|backend|model]
  corral status
  corral cert [--pem]
  corral import FILE... [--dry-run]
  corral who
  corral keys pause ID [--for 30m] [--queue] | resume ID | kick ID | mine ID [--off]
  corral pause-all [--for D] | resume-all

Every command takes --data-dir D (default: ${defaultDataDir()}, or CORRAL_DATA_DIR)
and --json (machine-readable output on stdout).`

const OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  'control-port': { type: 'string' },
  backend: { type: 'string', multiple: true },
  pull: { type: 'string', multiple: true },
  mdns: { type: 'boolean' },
  'no-mdns': { type: 'boolean' },
  name: { type: 'string' },
  scopes: { type: 'string' },
  models: { type: 'string' },
  rpm: { type: 'string' },
  requests: { type: 'string' },
  window: { type: 'string' },
  tpm: { type: 'string' },
  concurrency: { type: 'string' },
  'max-tokens': { type: 'string' },
  expires: { type: 'string' },
  key: { type: 'string' },
  weight: { type: 'string' },
  list: { type: 'string' },
  since: { type: 'string' },
  by: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'accept-vulnerable': { type: 'boolean' },
  'refuse-vulnerable': { type: 'boolean' },
  tls: { type: 'string' },
  'cert-file': { type: 'string' },
  'key-file': { type: 'string' },
  'plain-port': { type: 'string' },
  'network-bound': { type: 'boolean' },
  workers: { type: 'string' },
  pem: { type: 'boolean' },
  guest: { type: 'boolean' },
  subnet: { type: 'string' },
  option: { type: 'string', multiple: true },
  'keep-alive-max': { type: 'string' },
  'clear-options': { type: 'boolean' },
  'allow-cloud': { type: 'boolean' },
  'deny-cloud': { type: 'boolean' },
  all: { type: 'boolean' },
  for: { type: 'string' },
  queue: { type: 'boolean' },
  'confirm-key': { type: 'boolean' },
  off: { type: 'boolean' },
  device: { type: 'string', multiple: true },
  'remove-device': { type: 'string', multiple: true },
  as: { type: 'string' },
} as const

export async function main(argv: string[]): Promise<number> {
  // A gateway worker of `corral serve --workers N` (workers/fleet.ts forked it).
  if (cluster.isWorker && process.env[WORKER_ENV] === '1') {
    const { runWorker } = await import('./workers/worker.js')
    await runWorker(process as Parameters<typeof runWorker>[0])
    return 0
  }
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (err) {
    process.stderr.write(`corral: ${usageError(err)}\n\n${USAGE}\n`)
    return 2
  }
  const flags = parsed.values as Flags
  if (flags['no-mdns']) flags.mdns = false
  const [command, sub, ...rest] = parsed.positionals
  if (flags.version) {
    process.stdout.write(`${VERSION}\n`)
    return 0
  }
  if (flags.help || !command || command === 'help') {
    process.stdout.write(USAGE + '\n')
    return command || flags.help ? 0 : 2
  }
  const fromFlag = typeof flags['data-dir'] === 'string'
  const dataDir = path.resolve(fromFlag ? (flags['data-dir'] as string) : defaultDataDir())
  const from = fromFlag ? 'flag' : process.env.CORRAL_DATA_DIR ? 'env' : 'default'
  const ctx = makeContext(dataDir, flags.json === true, from)
  try {
    await run(ctx, command, sub, rest, flags)
    return 0
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(escapeOutput(`corral: ${err.message}\n`))
      return err.exitCode
    }
    const inUse = addressInUseMessage(err, { control: portFlag(flags['control-port']) })
    process.stderr.write(escapeOutput(`corral: ${inUse ?? (err as Error).message}\n`))
    return 1
  }
}

function portFlag(v: unknown): number | undefined {
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined
}

async function run(
  ctx: CliContext,
  command: string,
  sub: string | undefined,
  rest: string[],
  flags: Flags,
) {
  switch (command) {
    case 'serve':
      return (await import('./cli/serve.js')).serveCommand(ctx, flags)
    case 'keys': {
      const owner = await import('./cli/owner.js')
      if (sub !== undefined && owner.OWNER_KEY_COMMANDS.has(sub))
        return owner.ownerKeyCommand(ctx, sub, rest, flags)
      const { keysCommand } = await import('./cli/keys.js')
      if (sub === 'create' || sub === 'update') {
        const devices = await import('./cli/devices.js')
        if (devices.hasDeviceFlags(flags))
          return devices.keysWithDevices(ctx, sub, rest, flags, keysCommand)
      }
      return keysCommand(ctx, sub, rest, flags)
    }
    case 'devices':
      return (await import('./cli/devices.js')).devicesCommand(ctx, sub, rest, flags)
    case 'who':
      return (await import('./cli/owner.js')).whoCommand(ctx)
    case 'pause-all':
      return (await import('./cli/owner.js')).pauseAllCommand(ctx, flags)
    case 'resume-all':
      return (await import('./cli/owner.js')).resumeAllCommand(ctx)
    case 'backends':
      return (await import('./cli/backends.js')).backendsCommand(ctx, sub, rest, flags)
    case 'pull':
      return (await import('./cli/pull.js')).pullCommand(ctx, sub, flags)
    case 'access':
      return (await import('./cli/backends.js')).accessCommand(ctx, sub, rest, flags)
    case 'stats':
      return (await import('./cli/stats.js')).statsCommand(ctx, flags)
    case 'import': {
      const files = [sub, ...rest].filter((x): x is string => !!x)
      return (await import('./cli/import.js')).importCommand(ctx, files, flags)
    }
    case 'status':
      return statusCommand(ctx)
    case 'cert':
      return (await import('./cli/cert.js')).certCommand(ctx, flags)
    default:
      throw new CliError(`unknown command "${command}"\n\n${USAGE}`, 2)
  }
}

async function statusCommand(ctx: CliContext): Promise<void> {
  const server = await serverFor(ctx)
  if (!server) {
    if (ctx.json) return ctx.out(JSON.stringify({ running: false, dataDir: ctx.dataDir }))
    throw new CliError(`Corral is not running for ${ctx.dataDir}. Start it: npx corral serve`, 3)
  }
  const s = await server.get<StatusView>('/control/status')
  if (ctx.json) return ctx.out(JSON.stringify({ running: true, ...s }))
  const lines = [
    `Corral ${s.version} is running (data: ${s.dataDir}).`,
    s.sharing ? `Sharing on the LAN: ${s.urls.join('  ')}` : 'Sharing is off.',
    ...(s.ollama.state === 'down' || s.ollama.state === 'none'
      ? [`OLLAMA IS NOT RUNNING: ${s.ollama.message ?? ''}`]
      : []),
    // As serve prints it: the token rides in the fragment, which the browser never sends.
    `Control UI (this machine only): ${server.info.url}/#token=${server.info.token}`,
    `Keys: ${s.keys.active} active of ${s.keys.total}. In flight: ${s.live.inFlight}.`,
    'Backends:',
    ...s.backends.map(
      (b) => `  ${b.name} ${b.url}: ${b.state}${b.latencyMs != null ? ` (${b.latencyMs} ms)` : ''}`,
    ),
  ]
  lines.push(...tlsLines(s.tls), ...networkLines(s.network))
  if (s.configProblem) lines.push(`ERROR: ${brokenMessage(s.configProblem)}`)
  const said = s.ollama.message ?? ''
  for (const w of s.warnings) {
    if (w !== s.tls.error && w !== s.network.reason && !said.includes(w)) {
      lines.push(`WARNING: ${w}`)
    }
  }
  ctx.out(lines.join('\n'))
}

interface StatusView {
  version: string
  dataDir: string
  sharing: boolean
  urls: string[]
  keys: { total: number; active: number }
  live: { inFlight: number }
  backends: Array<{ name: string; url: string; state: string; latencyMs: number | null }>
  warnings: string[]
  ollama: { state: 'up' | 'down' | 'checking' | 'none'; message: string | null }
  tls: TlsStatus
  network: NetworkState
  /** Absent from a server older than this command. */
  configProblem?: ConfigProblem | null
}

function networkLines(n: NetworkState): string[] {
  const here = n.current ? n.current.label : 'none'
  if (!n.bound) return [`Network: ${here} (sharing is not bound to a network)`]
  const lines = [`Network: ${here} (${n.known ? 'remembered' : 'not remembered'})`]
  if (n.paused)
    lines.push(`PAUSED: ${n.reason ?? ''} Share here: the tray, or the UI's Share view.`)
  return lines
}

function tlsLines(tls: TlsStatus): string[] {
  if (tls.mode === 'off') return ['HTTPS: off (keys are sent unencrypted).']
  const lines = [`HTTPS: ${tls.mode}${tls.fingerprint ? '' : ' (not serving)'}`]
  if (tls.fingerprint) lines.push(`  SHA-256 fingerprint: ${formatFingerprint(tls.fingerprint)}`)
  if (tls.certificate) lines.push(`  Valid until ${tls.certificate.notAfter}`)
  if (tls.error) lines.push(`ERROR: ${tls.error}`)
  return lines
}
