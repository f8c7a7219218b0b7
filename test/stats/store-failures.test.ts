// A disk that fails under the stats store, wherever the store writes (the writer thread, or
// the main thread as its fallback): a failed batch is retried, then dropped with a log line;
// the queue has a bound; nothing throws into record() or the reads.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StatsStore, type StatsStoreOptions } from '../../gateway/stats/store.js'
import { DAY, T0, rec, silentLogger, tempDir } from './fixtures/records.js'

let dir: string
let cleanup: () => void
const open: Array<{ close(): void }> = []

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => {
  for (const o of open.splice(0)) o.close()
  cleanup()
})

const DAY_RANGE = { since: T0 - DAY }
const count = (lines: Array<{ msg: string }>, msg: string) =>
  lines.filter((l) => l.msg === msg).length

/** A switch that makes every insert into `requests` fail (a trigger, seen by every connection). */
function failingDisk(file: string) {
  const db = new Database(file)
  db.exec(`
    CREATE TABLE test_disk (failing INTEGER NOT NULL);
    INSERT INTO test_disk VALUES (0);
    CREATE TRIGGER test_disk_fails BEFORE INSERT ON requests
      WHEN (SELECT failing FROM test_disk) = 1
      BEGIN SELECT RAISE(ABORT, 'disk says no'); END`)
  const set = db.prepare('UPDATE test_disk SET failing = ?')
  open.push(db)
  return { fail: (on: boolean) => set.run(on ? 1 : 0) }
}

describe.each([
  ['on the writer thread', undefined],
  ['on the main thread', null],
] as const)('stats writes failing %s', (_, writerThread) => {
  function openStore(opts: StatsStoreOptions = {}) {
    const { lines, logger } = silentLogger()
    const store = StatsStore.open(join(dir, 'corral.db'), {
      now: () => T0,
      logger,
      writerThread,
      flushIntervalMs: 20,
      ...opts,
    })
    open.push(store)
    return { store, lines, disk: failingDisk(store.file) }
  }

  it('retries a failed batch, then drops it with a log line, and writes the next ones', async () => {
    const { store, lines, disk } = openStore()
    disk.fail(true)
    store.record(rec())
    store.record(rec())
    expect(store.totals(DAY_RANGE).requests).toBe(0)
    expect(lines).toContainEqual({
      level: 'error',
      msg: 'stats write failed',
      obj: expect.objectContaining({ err: 'disk says no', records: 2, retry: true }),
    })
    await expect.poll(() => count(lines, 'stats records dropped')).toBe(1)
    expect(lines.find((l) => l.msg === 'stats records dropped')).toMatchObject({
      level: 'warn',
      obj: { dropped: 2 },
    })
    // Logged on the first failure and when giving up, not on every attempt.
    const failures = lines.filter((l) => l.msg === 'stats write failed')
    expect(failures.map((l) => (l.obj as { retry: boolean }).retry)).toEqual([true, false])
    expect(store.pendingCount).toBe(0)

    disk.fail(false)
    store.record(rec())
    expect(store.totals(DAY_RANGE).requests).toBe(1)
  })

  it('loses nothing when a retry succeeds, and says writes recovered', async () => {
    const { store, lines, disk } = openStore()
    disk.fail(true)
    store.record(rec())
    store.flush()
    expect(count(lines, 'stats write failed')).toBe(1)
    expect(store.pendingCount).toBe(1) // held for the retry
    disk.fail(false)
    await expect.poll(() => count(lines, 'stats writes recovered')).toBe(1)
    expect(store.totals(DAY_RANGE).requests).toBe(1)
    expect(store.pendingCount).toBe(0)
  })

  it('drops records past maxPending, counting them in a log line', () => {
    const { store, lines } = openStore({ maxPending: 10, maxBatch: 1000 })
    for (let i = 0; i < 15; i++) expect(() => store.record(rec())).not.toThrow()
    expect(store.totals(DAY_RANGE).requests).toBe(10)
    expect(lines).toContainEqual({
      level: 'warn',
      msg: 'stats records dropped',
      obj: expect.objectContaining({ dropped: 5 }),
    })
  })

  it('counts records held for a retry against maxPending', () => {
    const { store, lines, disk } = openStore({ maxPending: 10, maxBatch: 1000 })
    disk.fail(true)
    for (let i = 0; i < 8; i++) store.record(rec())
    store.flush() // 8 held
    for (let i = 0; i < 5; i++) store.record(rec())
    disk.fail(false)
    store.flush()
    expect(store.totals(DAY_RANGE).requests).toBe(10)
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'stats records dropped',
        obj: expect.objectContaining({ dropped: 3 }),
      }),
    )
  })

  it('drops what is still held for a retry on close, with a log line', () => {
    const { store, lines, disk } = openStore()
    disk.fail(true)
    store.record(rec())
    store.record(rec())
    store.flush()
    store.close()
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'stats records dropped',
        obj: expect.objectContaining({ dropped: 2 }),
      }),
    )
  })
})
