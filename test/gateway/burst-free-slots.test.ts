// A team's burst on a fleet (issue 30): when the backends together have a free slot for every
// request, the admission path (fair queue, backend choice, learned capacity) holds none of
// them. 64 chats at once on four backends with 16 slots each: all 64 are at the backends at
// the same moment, 16 on each, and no request's record says it queued.
import { afterEach, expect, test } from 'vitest'
import { request } from 'undici'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

interface RecordRow {
  queued: boolean
  status: number
}

test('64 chats at once on 4 backends with 16 slots each: none waits, 16 on each', async () => {
  gw = await startTestGateway({
    // Every chat holds its slot for a while: long enough that all 64 overlap.
    backends: Array.from({ length: 4 }, () => ({ firstByteDelayMs: 600, frames: 3 })),
    config: (c) => {
      for (const b of c.backends) b.capacity = 16
    },
  })
  const g = gw
  await g.running.corral.health.checkNow()
  const peaks = [0, 0, 0, 0]
  let together = 0
  const sampler = setInterval(() => {
    g.fakes.forEach((f, i) => (peaks[i] = Math.max(peaks[i]!, f.inFlight())))
    together = Math.max(
      together,
      g.fakes.reduce((n, f) => n + f.inFlight(), 0),
    )
  }, 5)
  const statuses = await Promise.all(
    Array.from({ length: 64 }, async () => {
      const res = await request(`${g.url}/api/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${g.key}` },
        body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }] }),
      })
      await res.body.text()
      return res.statusCode
    }),
  )
  clearInterval(sampler)
  expect(statuses).toEqual(Array(64).fill(200))
  expect(together).toBe(64)
  expect(peaks).toEqual([16, 16, 16, 16])
  const records = await eventually(async () => {
    const res = await g.control<RecordRow[]>('GET', '/control/stats/recent?limit=100')
    expect(res.body.filter((r) => r.status === 200)).toHaveLength(64)
    return res.body
  })
  expect(records.filter((r) => r.queued)).toEqual([])
})
