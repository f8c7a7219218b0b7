// Where the LAN listener's certificate comes from, for the mode in `server.tls`:
// `self-signed` (made and kept in the data dir) or `files` (the owner's own, re-read when
// they change). A file that cannot be used never replaces one that works: the listener
// keeps the last good certificate, and `error` says in words what is wrong with the files.
import fs from 'node:fs'
import path from 'node:path'
import { EventEmitter } from 'node:events'
import type { TlsConfig } from '../config/schema.js'
import type { Logger } from '../util/logger.js'
import {
  checkKeyMatches,
  describeCertificate,
  validityProblem,
  type CertificateInfo,
} from './certificate.js'
import { lanNames, type LanNames } from './lan-names.js'
import { ensureSelfSigned } from './self-signed.js'

/** A certificate and key the listener can serve, with what the certificate says. */
export interface TlsMaterial {
  cert: string
  key: string
  info: CertificateInfo
  source: 'self-signed' | 'files'
}

/** Editors and certbot write in bursts (temp file, rename, chmod): read once it settles. */
const FILE_SETTLE_MS = 200

export interface TlsSourceOptions {
  dataDir: string
  logger: Logger
  now: () => number
  /** This machine's names and addresses (tests pass their own). */
  names?: () => LanNames
  /** Re-read `files` when they change (on in serve and the app). */
  watch?: boolean
}

export class TlsSource extends EventEmitter<{ change: [TlsMaterial] }> {
  private material: TlsMaterial | null = null
  private problem: string | null = null
  private config: TlsConfig = { mode: 'off', certFile: '', keyFile: '', plainPort: null }
  private watchers: fs.FSWatcher[] = []
  private settle: NodeJS.Timeout | null = null

  constructor(private readonly opts: TlsSourceOptions) {
    super()
  }

  get mode(): TlsConfig['mode'] {
    return this.config.mode
  }

  /** What the HTTPS listener serves, or null (TLS off, or no usable certificate yet). */
  current(): TlsMaterial | null {
    return this.config.mode === 'off' ? null : this.material
  }

  /** Why the configured certificate is not (or no longer) what is served, in words. */
  error(): string | null {
    return this.config.mode === 'off' ? null : this.problem
  }

  /** Apply `server.tls`; reads or makes the certificate. Never throws: see error(). */
  async configure(config: TlsConfig): Promise<void> {
    const same =
      config.mode === this.config.mode &&
      config.certFile === this.config.certFile &&
      config.keyFile === this.config.keyFile
    this.config = { ...config }
    if (same && this.material) return
    this.stopWatching()
    this.material = null
    this.problem = null
    if (config.mode === 'self-signed') await this.refresh()
    else if (config.mode === 'files') {
      this.loadFiles()
      if (this.opts.watch) this.watchFiles()
    }
  }

  /**
   * Self-signed: make sure the certificate covers this machine's addresses now (called when
   * the network changes); emits 'change' when a new one was made.
   */
  async refresh(): Promise<void> {
    if (this.config.mode !== 'self-signed') return
    const names = (this.opts.names ?? (() => lanNames()))()
    try {
      const made = await ensureSelfSigned(this.opts.dataDir, names, this.opts.now())
      if (made.renewed) {
        this.opts.logger.info(`Made a new self-signed certificate: ${made.renewed}.`)
      }
      const changed = this.material?.info.fingerprint !== made.info.fingerprint
      this.material = { cert: made.cert, key: made.key, info: made.info, source: 'self-signed' }
      this.problem = null
      if (changed) this.emit('change', this.material)
    } catch (err) {
      this.problem = `Could not make or store the self-signed certificate: ${(err as Error).message}`
      this.opts.logger.error(this.problem)
    }
  }

  /** `files`: read both files; a bad pair keeps the last good one and says why. */
  loadFiles(): void {
    const { certFile, keyFile } = this.config
    const loaded = readPair(certFile, keyFile, this.opts.now())
    if (!loaded.ok) {
      this.problem = this.material
        ? `${loaded.error} Still serving the certificate loaded before (${this.material.info.fingerprint.slice(0, 16)}…).`
        : loaded.error
      this.opts.logger.error(this.problem)
      return
    }
    const changed = this.material?.info.fingerprint !== loaded.material.info.fingerprint
    this.material = loaded.material
    this.problem = null
    if (changed) this.emit('change', loaded.material)
  }

  close(): void {
    this.stopWatching()
  }

  private watchFiles(): void {
    const dirs = new Map<string, Set<string>>()
    for (const file of [this.config.certFile, this.config.keyFile]) {
      if (!file) continue
      const abs = path.resolve(file)
      const names = dirs.get(path.dirname(abs)) ?? new Set<string>()
      names.add(path.basename(abs))
      dirs.set(path.dirname(abs), names)
    }
    for (const [dir, names] of dirs) {
      try {
        // The folder, not the file: a file replaced by rename (certbot, editors) keeps no watch.
        const w = fs.watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || names.has(name.toString())) this.scheduleReload()
        })
        w.on('error', (err) => this.opts.logger.warn(`Stopped watching ${dir}: ${err.message}`))
        this.watchers.push(w)
      } catch (err) {
        this.opts.logger.warn(
          `Cannot watch ${dir} for new certificates (${(err as Error).message}); restart to load them.`,
        )
      }
    }
  }

  private scheduleReload(): void {
    if (this.settle) clearTimeout(this.settle)
    this.settle = setTimeout(() => {
      this.settle = null
      this.loadFiles()
    }, FILE_SETTLE_MS)
    this.settle.unref()
  }

  private stopWatching(): void {
    for (const w of this.watchers) w.close()
    this.watchers = []
    if (this.settle) clearTimeout(this.settle)
    this.settle = null
  }
}

type PairResult = { ok: true; material: TlsMaterial } | { ok: false; error: string }

/** Read and check a certificate and key file pair, with an error a person can act on. */
export function readPair(certFile: string, keyFile: string, now: number): PairResult {
  if (!certFile || !keyFile) {
    return {
      ok: false,
      error: 'TLS mode "files" needs both server.tls.certFile and server.tls.keyFile.',
    }
  }
  const read = (file: string, what: string): string => {
    try {
      return fs.readFileSync(file, 'utf8')
    } catch (err) {
      throw new Error(`The ${what} file ${file} ${unreadable(err as NodeJS.ErrnoException)}.`)
    }
  }
  try {
    const cert = read(certFile, 'certificate')
    const key = read(keyFile, 'key')
    let info: CertificateInfo
    try {
      info = describeCertificate(cert)
    } catch (err) {
      throw new Error(`The certificate file ${certFile} is unusable: ${(err as Error).message}.`)
    }
    const dates = validityProblem(info, now)
    if (dates) throw new Error(`The certificate in ${certFile} is unusable: ${dates}.`)
    try {
      checkKeyMatches({ cert, key })
    } catch (err) {
      throw new Error(`The key file ${keyFile} is unusable: ${(err as Error).message}.`)
    }
    return { ok: true, material: { cert, key, info, source: 'files' } }
  } catch (err) {
    return { ok: false, error: (err as Error).message }
  }
}

/** Why a file cannot be read, in words (the code stays for a search, never alone). */
function unreadable(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'does not exist: check the path (it is read on this machine, by Corral)'
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read by the user Corral runs as (permission denied): let that user read it'
    case 'EISDIR':
      return 'is a folder, not a file: give the path of the PEM file inside it'
    default:
      return `cannot be read (${err.code ?? err.message})`
  }
}
