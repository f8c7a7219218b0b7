// Starts the gateway the way the desktop app runs it: the control listener for the window
// and the CLI, and the LAN listener if sharing was on at last exit. A LAN port that is taken
// does not stop the app: it starts with sharing off and says why. Pure Node: it runs in the
// gateway child (child/main.ts) or, in tests, in the same process.
import fs from 'node:fs'
import { startCorral, type RunningCorral, type StartOptions } from '../server.js'
import { findServer } from '../cli/context.js'
import { dataFiles } from '../config/paths.js'
import { parseConfigText } from '../config/load.js'
import { createDiscovery, type Discovery } from '../discovery/mdns.js'
import type { Logger } from '../util/logger.js'

export interface GatewayOptions extends Omit<StartOptions, 'discovery'> {
  logger: Logger
  /** mDNS for this run; default: real mDNS when `discovery.mdns` is on in config.json. */
  discovery?: () => Discovery | undefined
}

export interface GatewayStart {
  running: RunningCorral | null
  /** Why Corral is not (fully) running: shown in the tray. */
  error: string | null
}

/**
 * Tries the configured ports first; if that fails, a random control port (the window and
 * the CLI find it through control.json), then without sharing (a LAN port in use).
 */
export async function startGateway(opts: GatewayOptions): Promise<GatewayStart> {
  const other = await findServer(opts.dataDir)
  if (other) {
    return {
      running: null,
      error: `Corral is already running for this data folder (pid ${other.info.pid}). Stop it first.`,
    }
  }
  const wantsSharing = opts.sharing ?? readSharing(opts.dataDir)
  const attempts: Partial<StartOptions>[] = [{}, { controlPort: 0 }]
  if (wantsSharing) attempts.push({ sharing: false }, { sharing: false, controlPort: 0 })
  let firstError: unknown = null
  let sharingError: unknown = null
  for (const attempt of attempts) {
    const sharing = attempt.sharing ?? wantsSharing
    try {
      const running = await startCorral({
        ...opts,
        watchConfig: opts.watchConfig ?? true,
        // The desktop app pauses sharing on a network the owner has not shared on.
        networkBoundDefault: opts.networkBoundDefault ?? true,
        ...attempt,
        discovery: (opts.discovery ?? defaultDiscovery(opts))(),
      })
      if (attempt.controlPort === 0 && opts.controlPort !== 0) {
        opts.logger.warn(`Control port taken; using ${running.controlUrl} instead.`)
      }
      const error =
        sharing === wantsSharing ? null : `Could not share on the LAN: ${messageOf(sharingError)}`
      return { running, error }
    } catch (err) {
      firstError ??= err
      if (sharing) sharingError = err
      opts.logger.warn(`Starting Corral failed: ${messageOf(err)}`)
    }
  }
  return { running: null, error: `Corral could not start: ${messageOf(firstError)}` }
}

function defaultDiscovery(opts: GatewayOptions): () => Discovery | undefined {
  return () =>
    readConfigFlag(opts.dataDir, (c) => c.discovery.mdns, true)
      ? createDiscovery({ browse: true, logger: opts.logger })
      : undefined
}

function readSharing(dataDir: string): boolean {
  return readConfigFlag(dataDir, (c) => c.server.sharing, true)
}

/** A setting from config.json before the gateway opens it (the default when unreadable). */
function readConfigFlag(
  dataDir: string,
  pick: (c: ReturnType<typeof parseConfigText>) => boolean,
  fallback: boolean,
): boolean {
  const file = dataFiles(dataDir).config
  try {
    return pick(parseConfigText(fs.readFileSync(file, 'utf8'), file))
  } catch {
    return fallback
  }
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
