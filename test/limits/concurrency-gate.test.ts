import { describe, expect, test } from 'vitest'
import { ConcurrencyGate } from '../../gateway/limits/index.js'

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('per-key concurrency', () => {
  test('50 parallel requests never exceed the limit', async () => {
    const gate = new ConcurrencyGate()
    let running = 0
    let peak = 0
    let refused = 0
    const request = async (i: number) => {
      await new Promise<void>((resolve) => setTimeout(resolve, i % 3))
      const release = gate.tryAcquire('a', 4)
      if (!release) {
        refused++
        return
      }
      running++
      peak = Math.max(peak, running)
      expect(gate.inFlight('a')).toBeLessThanOrEqual(4)
      await tick()
      running--
      release()
    }
    await Promise.all(Array.from({ length: 50 }, (_, i) => request(i)))
    expect(peak).toBeLessThanOrEqual(4)
    expect(peak).toBeGreaterThan(0)
    expect(refused).toBeGreaterThan(0)
    expect(gate.inFlight()).toBe(0)
  })

  test('the slot over the limit is refused and frees up on release', () => {
    const gate = new ConcurrencyGate()
    const first = gate.tryAcquire('a', 2)
    const second = gate.tryAcquire('a', 2)
    expect(first).not.toBeNull()
    expect(second).not.toBeNull()
    expect(gate.tryAcquire('a', 2)).toBeNull()
    expect(gate.tryAcquire('b', 2)).not.toBeNull()
    first?.()
    expect(gate.tryAcquire('a', 2)).not.toBeNull()
  })

  test('release is idempotent', () => {
    const gate = new ConcurrencyGate()
    const first = gate.tryAcquire('a', 2)
    gate.tryAcquire('a', 2)
    first?.()
    first?.()
    first?.()
    expect(gate.inFlight('a')).toBe(1)
    expect(gate.inFlight()).toBe(1)
  })

  test('a null limit admits everything but still counts', () => {
    const gate = new ConcurrencyGate()
    const releases = Array.from({ length: 100 }, () => gate.tryAcquire('a', null))
    expect(releases.every((r) => r !== null)).toBe(true)
    expect(gate.inFlight('a')).toBe(100)
    for (const release of releases) release?.()
    expect(gate.inFlight('a')).toBe(0)
  })

  test('a lowered limit refuses new requests while the old ones finish', () => {
    const gate = new ConcurrencyGate()
    gate.tryAcquire('a', 5)
    gate.tryAcquire('a', 5)
    expect(gate.tryAcquire('a', 1)).toBeNull()
  })
})
