// Keeps the gateway child running for the desktop app: starts it, waits for 'ready', and
// restarts it after a crash (with a growing delay), while the app's tray stays up. Pure
// Node: how the child is started is passed in (Electron's utilityProcess in the app,
// child_process.fork in tests and the bench).
import { EventEmitter } from 'node:events'
import type { Logger } from '../util/logger.js'
import { isChildMessage, type ParentMessage } from './protocol.js'

export interface ChildHandle {
  readonly pid: number | undefined
  postMessage(m: ParentMessage): void
  onMessage(fn: (m: unknown) => void): void
  onExit(fn: (code: number | null) => void): void
  kill(): void
}

export interface GatewayReady {
  controlUrl: string
  token: string
  gatewayPort: number | null
  error: string | null
  /** How long a 'stop' may take the child (protocol.ts); the kill comes after it. */
  stopLimitMs?: number
}

export interface SupervisorOptions {
  fork: () => ChildHandle
  logger: Logger
  /** First restart delay; doubles up to RESTART_MAX_MS, back to this after a good run. */
  restartDelayMs?: number
  /** How long 'stop' may take before the child is killed. */
  stopTimeoutMs?: number
}

export const RESTART_DELAY_MS = 500
export const RESTART_MAX_MS = 10_000
/** A child that ran this long resets the restart delay. */
export const STABLE_RUN_MS = 60_000
export const STOP_TIMEOUT_MS = 15_000
/** Past the child's own stop limit, how long before it is killed. */
export const STOP_KILL_MARGIN_MS = 3000
/** At session end the child does the essentials first (child/session-end.ts); then it is killed. */
export const SESSION_END_TIMEOUT_MS = 2000

export type GatewayHostEvents = {
  /** Up (again): the control URL and token may be new after a restart. */
  ready: [GatewayReady]
  /** Gone: crashed (a restart follows) or stopped. */
  exit: [number | null]
  /** Could not start at all (no restart): why. */
  failed: [string]
}

/**
 * What the desktop app's main process needs of whatever runs its gateway: the supervised
 * child (here), or the same gateway in-process (in-process.ts, tests).
 */
export interface GatewayHost extends Pick<EventEmitter<GatewayHostEvents>, 'on' | 'off'> {
  /** Starts it; resolves at its first 'ready', rejects with why it could not start. */
  start(): Promise<GatewayReady>
  /** The gateway as it runs now; null while it is down or restarting. */
  current(): GatewayReady | null
  /** Stops it cleanly (streams finish, stats flushed, mDNS withdrawn, control.json removed). */
  stop(): Promise<void>
  /** Windows' session is ending: stats and control.json at once, mDNS bounded, no grace. */
  endSession(): Promise<void>
}

export class GatewaySupervisor extends EventEmitter<GatewayHostEvents> implements GatewayHost {
  restarts = 0
  private child: ChildHandle | null = null
  private ready: GatewayReady | null = null
  /** The last 'ready' (kept while the child restarts): its stop limit. */
  private lastReady: GatewayReady | null = null
  /** A child has been ready once: until then an exit is a failure to start, not a crash. */
  private everReady = false
  private stopping: Promise<void> | null = null
  private delay: number
  private startedAt = 0
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly opts: SupervisorOptions) {
    super()
    this.delay = opts.restartDelayMs ?? RESTART_DELAY_MS
  }

  /** Starts the child; resolves at its first 'ready', rejects if it could not start. */
  start(): Promise<GatewayReady> {
    return new Promise((resolve, reject) => {
      const onReady = (r: GatewayReady) => {
        this.off('failed', onFailed)
        resolve(r)
      }
      const onFailed = (error: string) => {
        this.off('ready', onReady)
        reject(new Error(error))
      }
      this.once('ready', onReady)
      this.once('failed', onFailed)
      this.spawn()
    })
  }

  current(): GatewayReady | null {
    return this.ready
  }

  pid(): number | undefined {
    return this.child?.pid
  }

  /** Asks the child to stop (it finishes streams, flushes stats); kills it past the timeout. */
  stop(): Promise<void> {
    // Never before the child's own limit (a longer grace period), so its last steps (stats,
    // the mDNS goodbye, control.json) are not cut off.
    const own = (this.lastReady?.stopLimitMs ?? 0) + STOP_KILL_MARGIN_MS
    const timeout = this.opts.stopTimeoutMs ?? Math.max(STOP_TIMEOUT_MS, own)
    this.stopping ??= this.ask({ type: 'stop' }, timeout)
    return this.stopping
  }

  endSession(): Promise<void> {
    this.stopping ??= this.ask({ type: 'session-end' }, SESSION_END_TIMEOUT_MS)
    return this.stopping
  }

  private ask(message: ParentMessage, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.timer) clearTimeout(this.timer)
      const child = this.child
      if (!child) return resolve()
      const kill = setTimeout(() => child.kill(), timeoutMs)
      child.onExit(() => {
        clearTimeout(kill)
        resolve()
      })
      child.postMessage(message)
    })
  }

  private spawn(): void {
    const child = this.opts.fork()
    this.child = child
    this.startedAt = Date.now()
    let failed = false
    child.onMessage((m) => {
      if (!isChildMessage(m)) return
      if (m.type === 'ready') {
        const { type: _type, ...ready } = m
        this.ready = ready
        this.lastReady = ready
        this.everReady = true
        this.emit('ready', ready)
      } else if (m.type === 'failed') {
        failed = true
        this.opts.logger.error(`The gateway could not start: ${m.error}`)
        this.emit('failed', m.error)
      }
    })
    child.onExit((code) => {
      if (this.child === child) this.child = null
      this.ready = null
      this.emit('exit', code)
      if (this.stopping || failed) return
      if (!this.everReady) {
        // It never came up (an import that throws, a native module built for another ABI):
        // restarting would loop for ever with the app showing nothing. Say so instead.
        const why = `Corral's gateway exited (code ${code}) before it was ready; the app's log has its last lines.`
        this.opts.logger.error(why)
        this.emit('failed', why)
        return
      }
      if (Date.now() - this.startedAt >= STABLE_RUN_MS) {
        this.delay = this.opts.restartDelayMs ?? RESTART_DELAY_MS
      }
      this.opts.logger.warn(
        `The gateway stopped unexpectedly (exit code ${code}); restarting in ${this.delay} ms.`,
      )
      this.timer = setTimeout(() => {
        this.restarts++
        this.spawn()
      }, this.delay)
      this.delay = Math.min(this.delay * 2, RESTART_MAX_MS)
    })
  }
}
