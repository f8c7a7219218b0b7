// What every CLI command gets: its data dir, output mode, and a way to reach
// the running server (through control.json) or, when none runs, the data dir.
import fs from 'node:fs'
import { dataFiles } from '../config/paths.js'
import type { ControlInfo } from '../server.js'
import { ConfigStore } from '../config/store.js'
import { compileSnapshot } from '../runtime.js'
import { seedConfig } from '../config/seed.js'
import { createLogger, type Logger } from '../util/logger.js'
import { escapeOutput } from '../untrusted/escape.js'
import { pidAlive } from '../util/pid.js'
import { ControlApi, ControlApiError, type ControlMethod } from '../control/client.js'

/** How long a command waits on the running server. */
const CLI_TIMEOUT_MS = 30_000

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

/** Where the command's data dir came from: it decides what the CLI suggests (other-folder.ts). */
export type DataDirSource = 'flag' | 'env' | 'default'

export interface CliContext {
  dataDir: string
  dataDirFrom: DataDirSource
  json: boolean
  out: (text: string) => void
  logger: Logger
}

/** The running server's control API, if one runs for this data dir. */
export async function findServer(dataDir: string): Promise<ControlClient | null> {
  let info: ControlInfo
  try {
    info = JSON.parse(fs.readFileSync(dataFiles(dataDir).control, 'utf8')) as ControlInfo
  } catch {
    return null
  }
  if (!pidAlive(info.pid)) return null
  const client = new ControlClient(info)
  try {
    await client.get('/control/status')
    return client
  } catch {
    return null
  }
}

/** The control API as the CLI uses it: its refusals become CliErrors with the API's words. */
export class ControlClient {
  private readonly api: ControlApi

  constructor(readonly info: ControlInfo) {
    this.api = new ControlApi(() => ({ controlUrl: info.url, token: info.token }), CLI_TIMEOUT_MS)
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.call<T>('GET', path)
  }

  async call<T = unknown>(method: ControlMethod, path: string, body?: unknown): Promise<T> {
    try {
      return await this.api.call<T>(method, path, body)
    } catch (err) {
      if (err instanceof ControlApiError) throw new CliError(err.said)
      throw err
    }
  }
}

/** The data dir's config store, for commands run while no server is running. */
export function openStore(ctx: CliContext): ConfigStore {
  return ConfigStore.open(ctx.dataDir, {
    logger: ctx.logger,
    seed: seedConfig,
    validate: (c) => void compileSnapshot(c),
  })
}

export function makeContext(
  dataDir: string,
  json: boolean,
  dataDirFrom: DataDirSource = 'flag',
): CliContext {
  return {
    dataDir,
    dataDirFrom,
    json,
    // Outside text (names, models, a server's error) never reaches the terminal raw.
    out: (text) => process.stdout.write(escapeOutput(text.endsWith('\n') ? text : text + '\n')),
    logger: createLogger(),
  }
}
