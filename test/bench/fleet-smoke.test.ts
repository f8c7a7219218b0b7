// The fleet benchmark (bench/fleet.mjs) still measures what it says: a small burst through
// every target gets its answers, frames stamped and counted, CPU read. Not a timing test: it
// fails when a target errors (as nginx did when the stand-in began refusing its Host header),
// not when something is slow.
import { expect, test } from 'vitest'

interface TargetSummary {
  errors: number
  firstError: string | null
  tokenDelayP50Ms: number
  toBackendP50Ms: number
  cpuUsPerChat: number
}

test('a small fleet burst runs through direct, Corral, the Node floor and nginx with no error', async () => {
  const { runFleet } = (await import('../../bench/fleet.mjs')) as unknown as {
    runFleet(o: object): Promise<{ summary: Record<string, Record<string, TargetSummary>> }>
  }
  const out = await runFleet({ bursts: [8], rounds: 1, frames: 3, tps: 100, warm: 64 })
  const s = out.summary['8']!
  const names = Object.keys(s).filter((k) => !k.endsWith('MinusNginx'))
  expect(names).toEqual(expect.arrayContaining(['direct', 'corral', 'node-floor', 'nginx']))
  for (const name of names) {
    expect({ name, errors: s[name]!.errors, firstError: s[name]!.firstError }).toEqual({
      name,
      errors: 0,
      firstError: null,
    })
    expect(Number.isFinite(s[name]!.tokenDelayP50Ms)).toBe(true)
    // The first byte's way there is part of it, read from the stand-in's stamp.
    expect(s[name]!.toBackendP50Ms).toBeGreaterThan(0)
  }
  // CPU is read (per request it is a difference of two bursts: too noisy for a burst of 8).
  expect(s.corral!.cpuUsPerChat).toBeGreaterThan(0)
}, 120_000)
