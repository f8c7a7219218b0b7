// `corral serve`: the headless gateway, with the same UI in a browser.
import os from 'node:os'
import path from 'node:path'
import { TLS_MODES, type Config, type TlsConfig } from '../config/schema.js'
import { startCorral } from '../server.js'
import { createDiscovery } from '../discovery/mdns.js'
import { normalizeBackendUrl } from '../backends/manage.js'
import { CliError, findServer, type CliContext } from './context.js'
import { str, type Flags } from './keys.js'
import { envOverlay } from './env.js'
import { pullProgressPrinter } from './progress.js'
import { formatFingerprint } from '../tls/fingerprint.js'
import { ollamaState } from '../backends/down.js'

export async function serveCommand(ctx: CliContext, flags: Flags): Promise<void> {
  if (await findServer(ctx.dataDir)) {
    throw new CliError(`Corral is already running for ${ctx.dataDir} (see corral status).`)
  }
  const port = optionalPort(flags.port, '--port')
  const controlPort = optionalPort(flags['control-port'], '--control-port')
  const flagBackends = ((flags.backend as string[] | undefined) ?? []).map((u) =>
    normalizeBackendUrl(u),
  )
  const pulls = (flags.pull as string[] | undefined) ?? []
  const mdns = flags.mdns !== false
  const tlsFlags = tlsOverlay(flags)
  const workers = workerCount(str(flags.workers) ?? process.env.CORRAL_WORKERS)
  const env = envOverlay(process.env, ctx.logger)
  const overlay = (c: Config): Config => {
    let next = env.apply(c)
    if (flagBackends.length > 0) {
      next = {
        ...next,
        backends: flagBackends.map((url, i) => ({
          id: `flag-${i + 1}`,
          name: new URL(url).host,
          url,
          key: null,
          weight: 1,
          enabled: true,
          capacity: 4,
          source: 'manual' as const,
        })),
      }
    }
    if (pulls.length > 0) {
      const known = new Set(next.ensureModels.map((m) => m.model))
      next = {
        ...next,
        ensureModels: [
          ...next.ensureModels,
          ...pulls.filter((m) => !known.has(m)).map((model) => ({ model, backends: [] })),
        ],
      }
    }
    if (!mdns) next = { ...next, discovery: { ...next.discovery, mdns: false } }
    if (tlsFlags) next = { ...next, server: { ...next.server, tls: tlsFlags(next.server.tls) } }
    return next
  }

  const running = await startCorral({
    dataDir: ctx.dataDir,
    logger: ctx.logger,
    watchConfig: true,
    overlay,
    host: str(flags.host),
    port: port ?? env.port,
    controlPort,
    sharing: true,
    // Headless keeps sharing when the network changes, unless asked (or network.bound says).
    networkBound: flags['network-bound'] === true ? true : undefined,
    networkBoundDefault: false,
    discovery: mdns ? createDiscovery({ browse: true, logger: ctx.logger }) : undefined,
    // Workers run this same command (process.argv[1]), which becomes a worker under cluster.
    workers: workers > 1 ? { count: workers, exec: process.argv[1]! } : undefined,
  })
  running.corral.pulls.on('progress', pullProgressPrinter())
  // The first health round says (once, on stderr) whether Ollama runs, before the banner.
  await running.corral.health.checkNow().catch(() => {})
  const ollama = ollamaState(running.corral.pool)
  const urls = running.sharing.urls()
  const tls = running.sharing.tls()
  if (ctx.json) {
    ctx.out(
      JSON.stringify({
        gateway: urls,
        tls: { mode: tls.mode, fingerprint: tls.fingerprint, error: tls.error },
        ollama,
        control: running.controlUrl,
        ui: running.uiUrl,
        workers,
        dataDir: ctx.dataDir,
      }),
    )
  } else {
    const keys = running.corral.config.keys.length
    ctx.out(
      [
        ollama.state === 'down' || ollama.state === 'none'
          ? `Corral is listening on the LAN, but there is no Ollama to share yet (see above); teammates are told so until it runs:`
          : `Corral is sharing Ollama on the LAN:`,
        ...urls.map((u) => `  ${u}`),
        ...(workers > 1 ? [`Served by ${workers} gateway processes (--workers).`] : []),
        ...(tls.fingerprint
          ? [`HTTPS certificate SHA-256: ${formatFingerprint(tls.fingerprint)} (corral cert --pem)`]
          : []),
        ``,
        `Open the control UI (this machine only):`,
        `  ${running.uiUrl}`,
        ``,
        keys === 0
          ? `No keys yet: create one with  npx corral keys create --name alice`
          : `${keys} key(s) configured. Data: ${ctx.dataDir}`,
      ].join('\n'),
    )
  }
  if (tls.error) ctx.logger.error(tls.error)
  for (const w of tls.warnings) ctx.logger.warn(w)
  for (const w of running.corral.localExposure() ? [running.corral.localExposure()!] : []) {
    ctx.logger.warn(w)
  }

  await new Promise<void>((resolve) => {
    let stopping = false
    const stop = (signal: string) => {
      if (stopping) return
      stopping = true
      ctx.logger.info(`${signal}: finishing requests in flight, then stopping.`)
      running.close().then(resolve, (err: unknown) => {
        ctx.logger.error(`Shutdown failed: ${(err as Error).message}`)
        resolve()
      })
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  })
}

/** `auto` runs at most this many workers (past it the primary's share is the limit). */
export const AUTO_WORKERS_MAX = 4
/**
 * Below this many cores `auto` is one process: on 2 cores two workers and their primary
 * served 0.31–0.78× of one process's requests and cost 1.4× its CPU per frame (README,
 * Performance), the primary and the IPC taking the core a second worker would have had.
 */
export const AUTO_WORKERS_MIN_CORES = 4

/**
 * `--workers N|auto` (or CORRAL_WORKERS; default `auto`): gateway processes on the LAN port.
 * `auto` is one process below AUTO_WORKERS_MIN_CORES cores, else a worker per core but the
 * one left to the primary, at most AUTO_WORKERS_MAX; 1 serves from this process alone.
 */
export function workerCount(value: string | undefined, cores = os.availableParallelism()): number {
  if (value === undefined || value === '' || value === 'auto') {
    if (cores < AUTO_WORKERS_MIN_CORES) return 1
    return Math.min(cores - 1, AUTO_WORKERS_MAX)
  }
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new CliError('--workers must be auto or a whole number from 1 to 64', 2)
  }
  return n
}

/** `--tls MODE [--cert-file F --key-file F] [--plain-port P]`: this run's TLS, not saved. */
function tlsOverlay(flags: Flags): ((t: TlsConfig) => TlsConfig) | null {
  const mode = str(flags.tls)
  const certFile = str(flags['cert-file'])
  const keyFile = str(flags['key-file'])
  const plainPort = optionalPort(flags['plain-port'], '--plain-port')
  if (plainPort === 0) {
    throw new CliError(
      '--plain-port must be a port number from 1 to 65535 (leave it out for none)',
      2,
    )
  }
  if (mode === undefined && !certFile && !keyFile && plainPort === undefined) return null
  if (mode !== undefined && !(TLS_MODES as readonly string[]).includes(mode)) {
    throw new CliError(`--tls must be one of ${TLS_MODES.join(', ')}`, 2)
  }
  if (mode === 'files' && (!certFile || !keyFile)) {
    throw new CliError('--tls files needs --cert-file FILE and --key-file FILE', 2)
  }
  return (t) => ({
    mode: (mode as TlsConfig['mode'] | undefined) ?? (certFile ? 'files' : t.mode),
    certFile: certFile ? path.resolve(certFile) : t.certFile,
    keyFile: keyFile ? path.resolve(keyFile) : t.keyFile,
    plainPort: plainPort ?? t.plainPort,
  })
}

function optionalPort(v: unknown, flag: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new CliError(`${flag} must be a port number`, 2)
  return n
}
