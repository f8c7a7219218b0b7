import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LiveStats, type LiveEvent } from '../../gateway/stats/live.js'
import { T0, rec } from './fixtures/records.js'

let clock = T0
const now = () => clock

beforeEach(() => {
  clock = T0
})
afterEach(() => {
  vi.useRealTimers()
})

describe('live stats', () => {
  it('averages requests and tokens per second over the last five seconds', () => {
    const live = new LiveStats({ now })
    for (let second = 0; second < 5; second++) {
      for (let i = 0; i < 2; i++) {
        clock = T0 + second * 1000 + 100 + i
        live.onRequestStart()
        live.onRequestEnd(rec({ durationMs: 200, ttfbMs: 100, completionTokens: 10 }))
      }
    }
    clock = T0 + 4999
    expect(live.snapshot()).toMatchObject({ inFlight: 0, rps: 2, tps: 20, eps: 0, ts: T0 + 4999 })
    clock = T0 + 20_000
    expect(live.snapshot()).toMatchObject({ rps: 0, tps: 0 })
  })

  it('spreads a long stream’s tokens over its generation time', () => {
    const live = new LiveStats({ now })
    clock = T0 + 10_000
    live.onRequestStart()
    live.onRequestEnd(rec({ durationMs: 10_000, ttfbMs: 0, completionTokens: 100 }))
    // 10 tokens/s for 10 s: the window sees 10 tokens/s, not 100 tokens in one second.
    expect(live.snapshot().tps).toBe(10)
  })

  it('counts requests in flight, errors, and reads the queue depth', () => {
    const live = new LiveStats({ now })
    live.setQueueDepth(() => 4)
    live.onRequestStart()
    live.onRequestStart()
    live.onRequestStart()
    live.onRequestEnd(rec({ status: 502, outcome: 'backend_error' }))
    expect(live.snapshot()).toMatchObject({ inFlight: 2, queueDepth: 4 })
    expect(live.snapshot().eps).toBeGreaterThan(0)
    live.onRequestEnd(rec())
    live.onRequestEnd(rec())
    live.onRequestEnd(rec())
    expect(live.snapshot().inFlight).toBe(0)
  })

  it('runs no timer while nobody subscribes, and ticks each second while someone does', () => {
    vi.useFakeTimers()
    const live = new LiveStats({ now })
    expect(live.ticking).toBe(false)
    expect(vi.getTimerCount()).toBe(0)

    const events: LiveEvent[] = []
    const unsubscribe = live.subscribe((e) => events.push(e))
    const second = live.subscribe(() => {
      throw new Error('a broken subscriber')
    })
    expect(live.ticking).toBe(true)
    expect(vi.getTimerCount()).toBe(1)

    vi.advanceTimersByTime(3000)
    live.onRequestStart()
    live.onRequestEnd(rec())
    expect(events.map((e) => e.type)).toEqual(['tick', 'tick', 'tick', 'request'])
    expect(events[0]).toMatchObject({ type: 'tick', inFlight: 0, queueDepth: 0 })

    unsubscribe()
    expect(live.ticking).toBe(true)
    second()
    expect(live.ticking).toBe(false)
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(5000)
    expect(events).toHaveLength(4)
  })
})
