// The OpenResty proxy's `keys.txt`: one key per line. Blank lines and `#` comments are skipped,
// whitespace around a key is trimmed, nothing inside a key is ever touched.
import { addKey } from './keys.js'
import { emptyPlan, note, type ImportPlan } from './types.js'

/** A `#` comment after a key, separated from it by whitespace. */
const TRAILING_COMMENT = /\s+#.*$/

export function parseKeysTxt(file: string, text: string): ImportPlan {
  const plan = emptyPlan()
  const lines = text.split(/\r\n|\n|\r/)
  lines.forEach((raw, i) => {
    const at = { file, line: i + 1 }
    const trimmed = raw.trim()
    if (trimmed === '' || trimmed.startsWith('#')) return
    const key = trimmed.replace(TRAILING_COMMENT, '')
    if (key !== trimmed) note(plan, 'info', at, 'trailing "#" comment after the key ignored')
    addKey(plan, key, 'keys-txt', at)
  })
  return plan
}
