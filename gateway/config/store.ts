// config.json on disk: loaded at start, saved atomically with a last-good copy,
// watched for hand edits. A bad file never replaces a good config in memory.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { EventEmitter } from 'node:events'
import { dataFiles } from './paths.js'
import { ConfigError, defaultConfig, parseConfigText, serializeConfig } from './load.js'
import type { Config } from './schema.js'
import { removeStaleTempFiles, writeFileAtomic } from '../util/atomic-file.js'
import { ConfigBrokenError, recordProblem, type ConfigProblem } from './broken.js'
import { silentLogger, type Logger } from '../util/logger.js'

const WATCH_DEBOUNCE_MS = 150

export interface ConfigStoreOptions {
  logger?: Logger
  /** Extra checks a config must pass (e.g. compiling access lists); throw to refuse. */
  validate?: (config: Config) => void
  /** Applied to the defaults when no config exists yet (e.g. the local Ollama backend). */
  seed?: (config: Config) => Config
  watch?: boolean
}

export type ReloadResult = { ok: true; changed: boolean } | { ok: false; error: string }

/**
 * Holds the current config. `current` is replaced, never mutated, so a request
 * that read it keeps a consistent view while a reload swaps it.
 */
export class ConfigStore extends EventEmitter<{ change: [Config, Config] }> {
  readonly dataDir: string
  private readonly files: ReturnType<typeof dataFiles>
  private readonly logger: Logger
  private readonly validate: (config: Config) => void
  private config: Config
  private lastWrittenHash = ''
  private watcher: fs.FSWatcher | null = null
  private debounce: NodeJS.Timeout | null = null
  private writing: Promise<unknown> = Promise.resolve()
  /** config.json on disk stopped loading while running: changes wait until it is fixed or discarded. */
  private broken: ConfigProblem | null = null

  private constructor(dataDir: string, config: Config, opts: ConfigStoreOptions) {
    super()
    this.dataDir = dataDir
    this.files = dataFiles(dataDir)
    this.logger = opts.logger ?? silentLogger
    this.validate = opts.validate ?? (() => {})
    this.config = config
  }

  /** Load (or create) config.json in dataDir. Never throws for a bad file: falls back. */
  static open(dataDir: string, opts: ConfigStoreOptions = {}): ConfigStore {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const files = dataFiles(dataDir)
    removeStaleTempFiles(dataDir, 'config.json')
    removeStaleTempFiles(dataDir, 'config.last-good.json')
    const logger = opts.logger ?? silentLogger
    const validate = opts.validate ?? (() => {})
    const check = (text: string, file: string) => {
      const c = parseConfigText(text, file)
      try {
        validate(c)
      } catch (err) {
        throw new ConfigError(`${file}: ${(err as Error).message}`, file)
      }
      return c
    }

    let config: Config | null = null
    let needsWrite = false
    const text = readIfExists(files.config)
    if (text !== null) {
      try {
        config = check(text, files.config)
      } catch (err) {
        const aside = `${files.config}.broken-${Date.now()}`
        try {
          fs.copyFileSync(files.config, aside)
          logger.warn(`${(err as Error).message}. Kept a copy at ${aside}.`)
        } catch (copyErr) {
          // A full or read-only disk must not keep the last good config from loading.
          logger.warn(
            `${(err as Error).message}. Could not keep a copy (${(copyErr as Error).message}).`,
          )
        }
      }
    }
    if (!config) {
      const good = readIfExists(files.lastGood)
      if (good !== null) {
        try {
          config = check(good, files.lastGood)
          needsWrite = true
          if (text !== null) logger.warn(`Starting from the last good config (${files.lastGood}).`)
        } catch (err) {
          logger.error(`The last good config is unusable too: ${(err as Error).message}`)
        }
      }
    }
    if (!config) {
      if (text !== null) logger.warn('Starting from defaults; the broken file was kept aside.')
      config = (opts.seed ?? ((c) => c))(defaultConfig())
      validate(config)
      needsWrite = true
    }
    const store = new ConfigStore(dataDir, config, opts)
    if (needsWrite) {
      try {
        store.writeNow(config)
      } catch (err) {
        // Serve what was loaded; the next change that can be saved writes it.
        logger.warn(`Could not save ${files.config}: ${(err as Error).message}`)
      }
    } else store.writeLastGood(text ?? serializeConfig(config))
    if (opts.watch) store.startWatching()
    return store
  }

  get current(): Config {
    return this.config
  }

  /** Why config.json on disk does not load now (the running config is the last one that did). */
  get problem(): ConfigProblem | null {
    return this.broken
  }

  /**
   * Writes the running config over a config.json that does not load (its text stays in
   * `config.json.broken`); resolves false when there was nothing to discard.
   */
  discardBroken(): Promise<boolean> {
    const run = () => {
      if (this.broken === null) return false
      this.writeNow(this.config)
      this.broken = null
      this.logger.info('config.json was written back from the running settings.')
      return true
    }
    const p = this.writing.then(run, run)
    this.writing = p.catch(() => {})
    return p
  }

  /**
   * Change the config: the mutator gets a deep copy and returns the new config.
   * It is validated, written atomically, then swapped in. Updates are serialised.
   */
  update(mutator: (draft: Config) => Config | void): Promise<Config> {
    const run = async () => {
      this.refuseOverBrokenFile()
      const draft = structuredClone(this.config)
      const next = parseConfigText(JSON.stringify(mutator(draft) ?? draft))
      this.validate(next)
      this.writeNow(next)
      this.swap(next)
      return next
    }
    const p = this.writing.then(run, run)
    this.writing = p.catch(() => {})
    return p
  }

  /** Re-read config.json (hand edits, `POST /config/reload`). Keeps the current config if the file is bad. */
  reload(): ReloadResult {
    const text = readIfExists(this.files.config)
    if (text === null) return { ok: false, error: `${this.files.config} does not exist` }
    let next: Config
    try {
      next = parseConfigText(text, this.files.config)
      this.validate(next)
    } catch (err) {
      const error = (err as Error).message
      this.broken = recordProblem(this.files.config, text, err as Error, Date.now())
      const copy = this.broken.copy ? ` A copy is kept at ${this.broken.copy}.` : ''
      this.logger.warn(
        `Not reloading: ${error}. The running config is unchanged, and changes are refused until the file is fixed or discarded.${copy}`,
      )
      return { ok: false, error }
    }
    this.broken = null
    this.lastWrittenHash = hash(text)
    this.writeLastGood(text)
    if (serializeConfig(next) === serializeConfig(this.config)) return { ok: true, changed: false }
    this.swap(next)
    this.logger.info('Config reloaded.')
    return { ok: true, changed: true }
  }

  close(): void {
    this.watcher?.close()
    this.watcher = null
    if (this.debounce) clearTimeout(this.debounce)
  }

  /** A change would overwrite a hand edit that does not load: re-read it, refuse if still bad. */
  private refuseOverBrokenFile(): void {
    if (this.broken === null) return
    if (readIfExists(this.files.config) === null)
      this.broken = null // removed: nothing to lose
    else this.reload()
    if (this.broken !== null) throw new ConfigBrokenError(this.broken)
  }

  private swap(next: Config): void {
    const prev = this.config
    this.config = next
    this.emit('change', next, prev)
  }

  private writeNow(config: Config): void {
    const text = serializeConfig(config)
    this.lastWrittenHash = hash(text)
    writeFileAtomic(this.files.config, text)
    this.writeLastGood(text)
  }

  private writeLastGood(text: string): void {
    try {
      writeFileAtomic(this.files.lastGood, text)
    } catch (err) {
      this.logger.warn(`Could not write ${this.files.lastGood}: ${(err as Error).message}`)
    }
  }

  private startWatching(): void {
    try {
      this.watcher = fs.watch(this.dataDir, { persistent: false }, (_event, name) => {
        if (name !== path.basename(this.files.config)) return
        if (this.debounce) clearTimeout(this.debounce)
        this.debounce = setTimeout(() => this.onFileChanged(), WATCH_DEBOUNCE_MS)
        this.debounce.unref()
      })
      this.watcher.on('error', (err) => this.logger.warn(`Config watch failed: ${err.message}`))
    } catch (err) {
      this.logger.warn(`Cannot watch ${this.dataDir} for changes: ${(err as Error).message}`)
    }
  }

  private onFileChanged(): void {
    const text = readIfExists(this.files.config)
    if (text === null || hash(text) === this.lastWrittenHash) return
    this.reload()
  }
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

function hash(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex')
}
