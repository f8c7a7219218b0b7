// Any client with a key can send a body of up to the body limit (64 MB by default), so every
// walk over a body's bytes must take time in proportion to its size: a walk that searched
// past each member to the end of the body took 10 s for 80,000 messages of 30 bytes (2.5
// MB) and would hold the event loop for hours at the limit. Compared here as a ratio within
// one run (8 times the messages may take at most 32 times as long; a quadratic walk takes
// 64), so the test does not depend on the machine's speed.
import { expect, test } from 'vitest'
import { estimatePromptTokens } from '../../gateway/limits/prompt-estimate.js'
import { parseJsonBody } from '../../gateway/proxy/body.js'
import { rewriteBody, snapshotBody } from '../../gateway/proxy/body-rewrite.js'

function body(messages: number): Buffer {
  const items = Array<string>(messages).fill('{"role":"user","content":"hi"}').join(',')
  return Buffer.from(`{"model":"m","messages":[${items}],"seed":12345678901234567890}`)
}

/** The fastest of five runs of parse, estimate and rewrite, in ms. */
function cost(buf: Buffer): number {
  let best = Infinity
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now()
    const json = parseJsonBody(buf)
    const before = snapshotBody(json)
    estimatePromptTokens(json)
    json.options = { num_predict: 5 }
    rewriteBody(buf, before, json)
    best = Math.min(best, performance.now() - t0)
  }
  return best
}

test('parsing, estimating and rewriting a body of many messages take time linear in its size', () => {
  cost(body(10_000)) // compiled before it is timed
  const small = cost(body(10_000))
  const large = cost(body(80_000))
  expect(large / small).toBeLessThan(32)
})
