// What every CLI command gets: its data dir, output mode, and a way to reach
// the running server (through control.json) or, when none runs, the data dir.
import fs from 'node:fs'
import { request } from 'undici'
import { dataFiles } from '../config/paths.js'
import type { ControlInfo } from '../server.js'
import { ConfigStore } from '../config/store.js'
import { compileSnapshot } from '../runtime.js'
import { seedConfig } from '../config/seed.js'
import { createLogger, type Logger } from '../util/logger.js'
import { escapeOutput } from '../untrusted/escape.js'
import { pidAlive } from '../util/pid.js'

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

export class ControlClient {
  constructor(readonly info: ControlInfo) {}

  get<T = unknown>(path: string): Promise<T> {
    return this.call<T>('GET', path)
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await request(this.info.url + path, {
      method: method as 'GET',
      headers: {
        authorization: `Bearer ${this.info.token}`,
        // The control port refuses a state-changing request that does not say JSON (guard.ts).
        ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    })
    const text = await res.body.text()
    const parsed: unknown = text ? JSON.parse(text) : null
    if (res.statusCode >= 400) {
      const msg = (parsed as { error?: string; message?: string } | null)?.error ?? text
      throw new CliError(String(msg))
    }
    return parsed as T
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
