// The gateway in the same process, behind the same GatewayHost as the supervised child:
// tests run the desktop app against it and can still reach into the running gateway, while
// the app itself talks to it only through the control API, as it does to the child.
import { EventEmitter } from 'node:events'
import type { RunningCorral } from '../server.js'
import { startGateway, type GatewayOptions } from './app-gateway.js'
import { closeBounded } from './close.js'
import { endSessionNow } from './session-end.js'
import type { GatewayHost, GatewayHostEvents, GatewayReady } from './supervisor.js'

export class InProcessGateway extends EventEmitter<GatewayHostEvents> implements GatewayHost {
  /** The running gateway (tests reach into it); null before start and after stop. */
  running: RunningCorral | null = null
  private ready: GatewayReady | null = null
  private stopping: Promise<void> | null = null

  constructor(private readonly opts: GatewayOptions) {
    super()
  }

  async start(): Promise<GatewayReady> {
    const started = await startGateway(this.opts)
    const running = started.running
    if (!running) {
      const error = started.error ?? 'Corral could not start.'
      this.emit('failed', error)
      throw new Error(error)
    }
    this.running = running
    this.ready = {
      controlUrl: running.controlUrl,
      token: running.token,
      gatewayPort: running.gatewayPort(),
      error: started.error,
    }
    this.emit('ready', this.ready)
    return this.ready
  }

  current(): GatewayReady | null {
    return this.ready
  }

  stop(): Promise<void> {
    this.stopping ??= this.end((running) => closeBounded(running, this.opts.logger))
    return this.stopping
  }

  endSession(): Promise<void> {
    this.stopping ??= this.end((running) => endSessionNow(running, this.opts.logger))
    return this.stopping
  }

  private async end(how: (running: RunningCorral) => Promise<void>): Promise<void> {
    const running = this.running
    if (!running) return
    this.ready = null
    await how(running)
    this.emit('exit', 0)
  }
}
