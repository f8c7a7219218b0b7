// The line a broken config.json is shown with: V8 names a position for some syntax errors and
// only a snippet for others, so the line comes from a scan of the text.
import { expect, test } from 'vitest'
import { jsonErrorLine } from '../../gateway/config/json-error.js'

test.each<[string, number | null]>([
  ['{"a":1}', null],
  ['  {"a": [true, false, null, -1.5e3, {}, "b\\"c"]}  \n', null],
  ['{\n"a": 1,\n"b" 2\n}', 3],
  ['{\n  "x": ,\n}', 2],
  ['{ "version": 1, ', 1],
  ['{\n"a": [1,\n2,\n]\n}', 4],
  ['{"a":1}}', 1],
  ['{\n"a": "no end\n}', 2],
])('%j: line %s', (text, line) => {
  expect(jsonErrorLine(text)).toBe(line)
  // Agrees with JSON.parse on whether the text parses.
  expect(line === null).toBe(
    ((): boolean => {
      try {
        JSON.parse(text)
        return true
      } catch {
        return false
      }
    })(),
  )
})
