import { readdirSync } from 'node:fs'
import { Value } from '@sinclair/typebox/value'
import { describe, expect, test } from 'vitest'
import {
  applyPlan,
  ImportError,
  ImportPlanSchema,
  mergePlans,
  type ImportPlan,
} from '../../gateway/import/index.js'
import { defaultConfig, fakeDeps, FIXTURES_DIR, parseFixture } from './helpers.js'

/** Every fixture that parses (the broken and unknown ones throw by design). */
function parsedFixtures(): Array<[string, ImportPlan]> {
  return readdirSync(FIXTURES_DIR).flatMap((name): Array<[string, ImportPlan]> => {
    try {
      return [[name, parseFixture(name)]]
    } catch (e) {
      if (e instanceof ImportError) return []
      throw e
    }
  })
}

describe('plans as data', () => {
  test('every parsed fixture survives JSON and matches the wire schema the control API checks', () => {
    const plans = parsedFixtures()
    expect(plans.length).toBeGreaterThanOrEqual(13)
    for (const [name, plan] of plans) {
      const wire: unknown = JSON.parse(JSON.stringify(plan))
      expect(wire, name).toEqual(plan)
      expect(
        [...Value.Errors(ImportPlanSchema, wire)].map((e) => e.path),
        name,
      ).toEqual([])
    }
  })

  test('the wire schema refuses a plan that is not one', () => {
    expect(Value.Check(ImportPlanSchema, { keys: [], backends: [], settings: {} })).toBe(false)
    const badNote = {
      keys: [],
      backends: [],
      settings: {},
      notes: [{ level: 'fatal', file: 'x', message: 'm' }],
    }
    expect(Value.Check(ImportPlanSchema, badNote)).toBe(false)
  })

  test('no note from reading or applying any fixture contains a secret', () => {
    const plans = parsedFixtures().map(([, plan]) => plan)
    const merged = mergePlans(plans)
    const { report } = applyPlan(defaultConfig(), merged, fakeDeps())
    const secrets = merged.keys.map((k) => k.key)
    expect(secrets.length).toBeGreaterThan(20)
    const notes = JSON.stringify([...plans.flatMap((p) => p.notes), ...report.notes])
    for (const secret of secrets) expect(notes).not.toContain(secret)
    expect(JSON.stringify(report.addedKeys)).not.toMatch(/dGVhbS1sYXB0b3At|sk-ollama-8Jd92/)
  })

  test('a hand-made plan with a backend that is not http(s) is refused when applied', () => {
    const plan: ImportPlan = {
      keys: [],
      backends: [
        { url: 'javascript:alert(1)', name: 'x', source: 'env', file: 'x' },
        { url: 'gpu.lan', name: '', source: 'env', file: 'x' },
      ],
      settings: {},
      notes: [],
    }
    const { config, report } = applyPlan(defaultConfig(), plan, fakeDeps())
    expect(config.backends.map((b) => [b.url, b.name])).toEqual([
      ['http://gpu.lan:11434', 'gpu.lan:11434'],
    ])
    expect(report).toMatchObject({ backendsAdded: 1, backendsSkipped: 1 })
  })
})
