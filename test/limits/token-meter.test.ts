import { describe, expect, test } from 'vitest'
import { TokenMeter } from '../../gateway/limits/index.js'

function meterAt(startMs: number) {
  const clock = { ms: startMs }
  const meter = new TokenMeter({ now: () => clock.ms })
  return { clock, meter }
}

describe('tokens per minute', () => {
  test('a key under its budget may start requests', () => {
    const { meter } = meterAt(1_000_000)
    meter.charge('a', 400)
    expect(meter.check('a', 1000)).toEqual({ ok: true, remaining: 600, resetSeconds: 60 })
  })

  test('a key that spent its budget in the last minute is refused until it rolls off', () => {
    const { clock, meter } = meterAt(1_000_000)
    meter.charge('a', 600)
    clock.ms += 20_000
    meter.charge('a', 500)
    expect(meter.usage('a')).toBe(1100)
    expect(meter.check('a', 1000)).toEqual({
      ok: false,
      retryAfterSeconds: 40,
      remaining: 0,
      resetSeconds: 60,
    })

    clock.ms += 39_000 // 59 s after the first charge: still inside the window
    expect(meter.check('a', 1000).ok).toBe(false)
    clock.ms += 1_000 // the first 600 tokens leave the window
    expect(meter.usage('a')).toBe(500)
    expect(meter.check('a', 1000)).toEqual({ ok: true, remaining: 500, resetSeconds: 20 })
    clock.ms += 20_000
    expect(meter.usage('a')).toBe(0)
  })

  test('retryAfterSeconds is when usage drops under the limit, not when the window empties', () => {
    const { clock, meter } = meterAt(5_000_000)
    meter.charge('a', 100)
    clock.ms += 10_000
    meter.charge('a', 1000)
    clock.ms += 10_000
    meter.charge('a', 100)
    // 1200 used; under 1000 once the 1000 from t=10s leaves (at t=70s, 50 s from now).
    expect(meter.check('a', 1000)).toEqual({
      ok: false,
      retryAfterSeconds: 50,
      remaining: 0,
      resetSeconds: 60,
    })
  })

  test('keys are metered separately', () => {
    const { meter } = meterAt(0)
    meter.charge('a', 1000)
    expect(meter.check('a', 1000).ok).toBe(false)
    expect(meter.check('b', 1000).ok).toBe(true)
  })

  test('a null limit never refuses', () => {
    const { meter } = meterAt(0)
    meter.charge('a', 1e9)
    expect(meter.check('a', null).ok).toBe(true)
  })

  test('a new limit applies to the next check', () => {
    const { meter } = meterAt(0)
    meter.charge('a', 500)
    expect(meter.check('a', 1000).ok).toBe(true)
    expect(meter.check('a', 500).ok).toBe(false)
  })

  test('zero, negative and non-finite charges are ignored', () => {
    const { meter } = meterAt(0)
    meter.charge('a', 0)
    meter.charge('a', -5)
    meter.charge('a', Number.NaN)
    expect(meter.usage('a')).toBe(0)
  })

  test('a bucket slot reused a minute later starts from zero', () => {
    const { clock, meter } = meterAt(0)
    meter.charge('a', 300)
    clock.ms += 60_000 // same slot (second % 60), next minute
    meter.charge('a', 5)
    expect(meter.usage('a')).toBe(5)
  })

  test('forget drops idle keys', () => {
    const { clock, meter } = meterAt(0)
    meter.charge('a', 10)
    meter.charge('b', 10)
    meter.forget('b')
    expect(meter.usage('b')).toBe(0)
    clock.ms += 61_000
    meter.forget()
    expect(meter.usage('a')).toBe(0)
  })
})
