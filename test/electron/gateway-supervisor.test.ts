// The supervisor's edges, on a scripted child: one that dies before it is ever ready fails
// the start (a loop of restarts would leave the app with no tray and no window), and a stop
// waits for the child's own limit (a long grace period) before it kills.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { EventEmitter } from 'node:events'
import { GatewaySupervisor, STOP_KILL_MARGIN_MS } from '../../gateway/child/supervisor.js'
import type { ChildHandle } from '../../gateway/child/supervisor.js'
import { silentLogger } from '../../gateway/util/logger.js'

class ScriptedChild extends EventEmitter implements ChildHandle {
  pid = 4242
  killed = false
  sent: unknown[] = []
  postMessage(m: unknown): void {
    this.sent.push(m)
  }
  onMessage(fn: (m: unknown) => void): void {
    this.on('message', fn)
  }
  onExit(fn: (code: number | null) => void): void {
    this.once('exit', fn)
  }
  kill(): void {
    this.killed = true
    this.emit('exit', null)
  }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('the gateway supervisor', () => {
  it('fails the start when the child exits before it was ever ready, and does not restart it', async () => {
    const children: ScriptedChild[] = []
    const supervisor = new GatewaySupervisor({
      logger: silentLogger,
      restartDelayMs: 1,
      fork: () => {
        const c = new ScriptedChild()
        children.push(c)
        setImmediate(() => c.emit('exit', 1))
        return c
      },
    })
    await expect(supervisor.start()).rejects.toThrow(/exited \(code 1\) before it was ready/)
    await new Promise((r) => setTimeout(r, 30))
    expect(children).toHaveLength(1)
    expect(supervisor.restarts).toBe(0)
  })

  it('gives a stopping child its own limit before killing it', async () => {
    vi.useFakeTimers()
    const child = new ScriptedChild()
    const supervisor = new GatewaySupervisor({ logger: silentLogger, fork: () => child })
    const started = supervisor.start()
    child.emit('message', {
      type: 'ready',
      controlUrl: 'http://127.0.0.1:1',
      token: 't',
      gatewayPort: null,
      error: null,
      stopLimitMs: 60_000,
    })
    await started
    const stopped = supervisor.stop()
    expect(child.sent).toEqual([{ type: 'stop' }])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(child.killed).toBe(false)
    await vi.advanceTimersByTimeAsync(STOP_KILL_MARGIN_MS)
    expect(child.killed).toBe(true)
    await stopped
  })
})
