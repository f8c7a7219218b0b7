// The order a request tries backends in (BackendPool.candidates): the model loaded first,
// then the least outstanding work per weight, and equals in round-robin turn. Sorted by hand
// per request (no sort callback), so the order itself is pinned down here.
import { expect, test } from 'vitest'
import { BackendPool } from '../../gateway/backends/pool.js'
import type { BackendRecord } from '../../gateway/config/schema.js'

const record = (id: string, weight = 1): BackendRecord => ({
  id,
  name: id,
  url: `http://127.0.0.1:${11000 + id.charCodeAt(0)}`,
  key: null,
  weight,
  enabled: true,
  capacity: 4,
  source: 'manual',
})

function pool(...records: BackendRecord[]): BackendPool {
  const p = new BackendPool({ now: () => 1_000 })
  p.sync(records)
  for (const r of records) p.get(r.id)!.state = 'up'
  return p
}
const ids = (p: BackendPool, model: string | null = null, load?: (id: string) => number) =>
  p.candidates(model, 'least-outstanding', load && ((b) => load(b.id))).map((b) => b.id)

test('equals take turns, starting one further each time', () => {
  const p = pool(record('a'), record('b'), record('c'))
  expect([ids(p), ids(p), ids(p), ids(p)]).toEqual([
    ['a', 'b', 'c'],
    ['b', 'c', 'a'],
    ['c', 'a', 'b'],
    ['a', 'b', 'c'],
  ])
})

test('the least work per weight comes first, the queue counted, ties in turn order', () => {
  const p = pool(record('a'), record('b', 2), record('c'), record('d'))
  p.get('a')!.inFlight = 3
  p.get('b')!.inFlight = 4 // 2 per weight
  p.get('c')!.inFlight = 1
  p.get('d')!.inFlight = 1
  const queued: Record<string, number> = { a: 0, b: 0, c: 1, d: 0 }
  expect(ids(p, null, (id) => queued[id]!)).toEqual(['d', 'b', 'c', 'a'])
  // The next turn starts at b: b and c tie at 2, and b comes first in that turn.
  expect(ids(p, null, (id) => queued[id]!)).toEqual(['d', 'b', 'c', 'a'])
  p.get('d')!.inFlight = 2
  expect(ids(p, null, (id) => queued[id]!)).toEqual(['c', 'd', 'b', 'a'])
})

test('a backend with the model loaded comes first, however busy', () => {
  const p = pool(record('a'), record('b'), record('c'))
  p.get('c')!.loaded.add('qwen3:8b')
  p.get('c')!.inFlight = 9
  p.get('a')!.inFlight = 1
  expect(ids(p, 'qwen3:8b')).toEqual(['c', 'b', 'a'])
  expect(ids(p, 'llama3.2:latest')).toEqual(['b', 'a', 'c'])
})

test('backends without the model, disabled or down are left out', () => {
  const p = pool(record('a'), record('b'), record('c'), record('d'))
  p.get('a')!.models = new Set(['llama3.2:latest'])
  p.get('b')!.record = { ...p.get('b')!.record, enabled: false }
  p.markFailure(p.get('c')!, 'refused', true)
  expect(ids(p, 'qwen3:8b')).toEqual(['d'])
  expect(ids(p, 'llama3.2:latest').sort()).toEqual(['a', 'd'])
})
