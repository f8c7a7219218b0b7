// The writer thread: records written there are readable here at once by every read, close()
// writes everything, and a thread that cannot run costs no records (the main thread writes).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { setImmediate as nextTurn } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StatsStore, type StatsStoreOptions } from '../../gateway/stats/store.js'
import { WRITER_THREAD_URL, WriterThread } from '../../gateway/stats/store-writer-thread.js'
import { OUTCOME_COLUMNS, decodeRecords, encodeRecords } from '../../gateway/stats/store-batch.mjs'
import { OUTCOMES } from '../../gateway/stats/record.js'
import { DAY, MINUTE, T0, rec, sampleRecords, silentLogger, tempDir } from './fixtures/records.js'

let dir: string
let cleanup: () => void
const open: StatsStore[] = []

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => {
  for (const store of open.splice(0)) store.close()
  cleanup()
})

const UNAVAILABLE = 'stats writer thread unavailable; writing on the main thread'

function openStore(opts: StatsStoreOptions = {}) {
  const { lines, logger } = silentLogger()
  const store = StatsStore.open(join(dir, 'corral.db'), { now: () => T0, logger, ...opts })
  open.push(store)
  return { store, lines }
}

const rowCount = (file: string): number => {
  const db = new Database(file, { readonly: true })
  try {
    return (db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n
  } finally {
    db.close()
  }
}

describe('the stats writer thread', () => {
  it('lets every read see every record recorded before it', () => {
    const { store, lines } = openStore({ maxBatch: 7 })
    const since = T0 - DAY
    let n = 0
    const add = (k: number) => {
      for (let i = 0; i < k; i++) store.record(rec({ ts: T0 - MINUTE + n++ }))
    }
    add(5)
    expect(store.totals({ since }).requests).toBe(5)
    add(9)
    expect(store.breakdown('key', { since })[0]!.requests).toBe(14)
    add(1)
    expect(store.recent(1000)).toHaveLength(15)
    add(20)
    expect(store.usageByKey(since).get('k1')!.requests).toBe(35)
    add(3)
    const series = store.series({ since, until: T0 }, MINUTE)
    expect(series.reduce((sum, p) => sum + p.requests, 0)).toBe(38)
    add(2)
    store.prune({ retentionDays: 7, rollupRetentionDays: 90 })
    expect(rowCount(store.file)).toBe(40)
    expect(lines).toEqual([]) // the thread wrote them: no fallback
  })

  it('writes everything on close, batches on their way to the thread included', async () => {
    const { store } = openStore({ maxBatch: 100 })
    for (let burst = 0; burst < 40; burst++) {
      for (let i = 0; i < 250; i++) store.record(rec())
      await nextTurn() // full batches go to the thread
    }
    for (let i = 0; i < 37; i++) store.record(rec()) // still queued here
    store.close()
    expect(rowCount(store.file)).toBe(10_037)
  })

  it('starts no thread for a store that is only read (the CLI)', () => {
    const missing = pathToFileURL(join(dir, 'missing', 'store-worker.mjs'))
    const { store, lines } = openStore({ writerThread: missing })
    expect(store.totals({ since: T0 - DAY }).requests).toBe(0)
    expect(store.recent(5)).toEqual([])
    store.close()
    expect(lines).toEqual([])
  })

  it('writes on the main thread when the script is missing, and says so once', () => {
    const missing = pathToFileURL(join(dir, 'missing', 'store-worker.mjs'))
    const { store, lines } = openStore({ writerThread: missing })
    for (const r of sampleRecords()) store.record(r)
    expect(store.totals({ since: T0 - DAY }).requests).toBe(5)
    store.record(rec())
    expect(store.recent(100)).toHaveLength(6)
    expect(lines.filter((l) => l.msg === UNAVAILABLE)).toHaveLength(1)
    expect(lines[0]!.obj).toMatchObject({ err: expect.stringContaining('is missing') })
  })

  it('writes what a thread that died had been sent, then everything after, on the main thread', async () => {
    const script = join(dir, 'dies.mjs')
    writeFileSync(script, "throw new Error('no thread for you')\n")
    const { store, lines } = openStore({ writerThread: pathToFileURL(script), maxBatch: 3 })
    for (const r of sampleRecords().slice(0, 3)) store.record(r)
    await nextTurn() // the batch is posted to the thread, which dies
    await expect.poll(() => lines.filter((l) => l.msg === UNAVAILABLE).length).toBe(1)
    expect(lines[0]!.obj).toMatchObject({ err: 'no thread for you' })
    store.record(rec())
    expect(store.totals({ since: T0 - DAY }).requests).toBe(4)
  })

  it('waits a bounded time for a stalled thread, says so, and still gets the records written', async () => {
    const file = join(dir, 'corral.db')
    StatsStore.open(file).close() // created and migrated
    const { lines, logger } = silentLogger()
    const thread = new WriterThread({
      url: WRITER_THREAD_URL,
      file,
      retryDelayMs: 20,
      maxHeld: 1000,
      logger,
      settleTimeoutMs: 300,
      fallback: () => {
        throw new Error('no fallback expected')
      },
    })
    const locker = new Database(file)
    try {
      locker.exec('BEGIN IMMEDIATE') // another writer holds the lock (the thread's busy_timeout is 5 s)
      thread.write(sampleRecords())
      const started = performance.now()
      thread.settle()
      expect(performance.now() - started).toBeGreaterThanOrEqual(290)
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          msg: 'stats writer thread is slow; reading without its latest writes',
        }),
      )
      expect(thread.backlog).toBe(5)
      locker.exec('COMMIT')
      await expect.poll(() => rowCount(file)).toBe(5)
      thread.settle()
      expect(thread.backlog).toBe(0)
    } finally {
      thread.close()
      locker.close()
    }
    expect(lines.filter((l) => l.level !== 'warn')).toEqual([])
  })

  it('sends a batch to the thread in a form that decodes to the same records', () => {
    const records = [
      ...sampleRecords(),
      rec({ keyId: null, keyName: null, tokensPerSecond: null, durationMs: 0.25, queued: true }),
    ]
    const encoded = encodeRecords(records)
    expect(encoded.strings.length).toBeLessThan(20) // each distinct string once
    expect(decodeRecords(structuredClone(encoded))).toEqual(records)
  })

  it('rolls up the outcomes record.ts knows', () => {
    expect(OUTCOME_COLUMNS).toEqual(OUTCOMES)
  })
})
