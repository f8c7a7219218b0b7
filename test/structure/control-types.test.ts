// The renderer's control API types are generated from the OpenAPI document the gateway's
// TypeBox schemas produce (scripts/control-types.mjs). A schema changed without
// `npm run gen:api` leaves the UI typed against an API that no longer exists: this fails.
import { readFileSync } from 'node:fs'
import { expect, test } from 'vitest'
import { controlTypesSource, GENERATED_FILE } from '../../scripts/control-types.mjs'

test('renderer/src/api/control-api.gen.ts is what the control API schemas generate now (else: npm run gen:api)', async () => {
  const committed = readFileSync(GENERATED_FILE, 'utf8')
  const fresh = await controlTypesSource()
  expect(committed === fresh, 'control-api.gen.ts is stale: run `npm run gen:api`').toBe(true)
})
