// Pins a bug: ids were base64url, so about one in 32 started with '-' and the CLI read
// `corral keys update -Vx…` as an unknown option (a CI run failed on exactly that).
import { expect, test } from 'vitest'
import { newId } from '../../gateway/util/ids.js'

test('ids are 8 letters and digits, so none can be read as a command-line option', () => {
  const ids = Array.from({ length: 5000 }, () => newId())
  for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{8}$/)
  expect(new Set(ids).size).toBe(ids.length)
})
