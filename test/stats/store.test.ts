import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StatsStore, StatsStoreError, openOrRecover } from '../../gateway/stats/store.js'
import { DAY, MINUTE, T0, rec, sampleRecords, silentLogger, tempDir } from './fixtures/records.js'

let dir: string
let cleanup: () => void
const open: StatsStore[] = []

/** Where batches are written: the writer thread (the default), or the main thread (its fallback). */
const WRITERS = [
  ['on the writer thread', undefined],
  ['on the main thread', null],
] as const
let writerThread: URL | null | undefined

beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
  writerThread = undefined
})
afterEach(() => {
  for (const store of open.splice(0)) store.close()
  cleanup()
})

function openStore(
  opts: Parameters<typeof StatsStore.open>[1] = {},
  file = join(dir, 'corral.db'),
) {
  const store = StatsStore.open(file, {
    now: () => T0,
    logger: silentLogger().logger,
    writerThread,
    ...opts,
  })
  open.push(store)
  return store
}

const rowCount = (file: string, table = 'requests'): number => {
  const db = new Database(file, { readonly: true })
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
  } finally {
    db.close()
  }
}

describe.each(WRITERS)('stats store, written %s', (_, writer) => {
  beforeEach(() => {
    writerThread = writer
  })

  it('opens in WAL mode with synchronous=NORMAL and every migration applied', () => {
    const store = openStore()
    const db = new Database(store.file, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('user_version', { simple: true })).toBe(3)
    db.close()
  })

  it('does no I/O in record(): the flush timer writes the batch', async () => {
    const store = openStore({ flushIntervalMs: 20 })
    store.record(rec())
    expect(store.pendingCount).toBe(1)
    expect(rowCount(store.file)).toBe(0)
    await expect.poll(() => rowCount(store.file)).toBe(1)
    await expect.poll(() => store.pendingCount).toBe(0)
  })

  it('writes a full batch on the next turn of the event loop, not on the caller’s stack', async () => {
    const store = openStore({ flushIntervalMs: 60_000, maxBatch: 3 })
    for (const r of sampleRecords().slice(0, 3)) store.record(r)
    expect(rowCount(store.file)).toBe(0)
    await nextTurn()
    await expect.poll(() => rowCount(store.file)).toBe(3)
  })

  it('answers totals, breakdowns and recent records exactly', () => {
    const store = openStore()
    const records = sampleRecords()
    for (const r of records) store.record(r)

    const totals = store.totals({ since: T0 - DAY })
    expect(totals).toMatchObject({
      source: 'raw',
      requests: 5,
      errors: 3, // 429, 401 and a backend failure mid-stream
      promptTokens: 35,
      completionTokens: 147,
      queued: 1,
      avgQueueMs: 500,
      p50DurationMs: 1000,
      p95DurationMs: 3000,
      outcomes: { done: 2, limited: 1, refused: 1, backend_error: 1, client_aborted: 0 },
    })
    expect(totals.avgDurationMs).toBeCloseTo(6006 / 5)
    expect(totals.avgTtfbMs).toBeCloseTo(1700 / 3)
    expect(store.totals({ since: T0 - DAY }, 'k2')).toMatchObject({ requests: 2, errors: 2 })

    const byKey = store.breakdown('key', { since: T0 - DAY })
    expect(
      byKey.map((r) => [
        r.group,
        r.label,
        r.requests,
        r.errors,
        r.promptTokens,
        r.completionTokens,
      ]),
    ).toEqual([
      ['k1', 'alice', 2, 0, 30, 140],
      ['k2', 'bob', 2, 2, 5, 7],
      ['', '(none)', 1, 1, 0, 0],
    ])
    expect(byKey[0]).toMatchObject({
      avgDurationMs: 2000,
      p50DurationMs: 1000,
      p95DurationMs: 3000,
    })
    const byBackend = store.breakdown('backend', { since: T0 - DAY })
    expect(byBackend.map((r) => [r.group, r.requests])).toEqual([
      ['b1', 3],
      ['', 1],
      ['b2', 1],
    ])
    const byModel = store.breakdown('model', { since: T0 - DAY })
    expect(byModel.map((r) => [r.group, r.requests])).toEqual([
      ['m1', 3],
      ['', 1],
      ['m2', 1],
    ])

    const recent = store.recent(10)
    expect(recent.map(({ id: _id, ...r }) => r)).toEqual([...records].reverse())
    expect(store.recent(2).map((r) => r.ts)).toEqual([records[4]!.ts, records[3]!.ts])
    expect(store.recent(10, { keyId: 'k2', outcome: 'limited' })).toHaveLength(1)
    const page = store.recent(2, { beforeId: recent[1]!.id })
    expect(page.map((r) => r.ts)).toEqual([records[2]!.ts, records[1]!.ts])
  })

  it('labels a key with its latest name', () => {
    const store = openStore()
    store.record(rec({ ts: T0 - 2 * MINUTE }))
    store.record(rec({ ts: T0 - MINUTE, keyName: 'alice (laptop)' }))
    expect(store.breakdown('key', { since: T0 - DAY })[0]!.label).toBe('alice (laptop)')
    expect(store.breakdown('key', { since: T0 - 30 * DAY })[0]!.label).toBe('alice (laptop)')
  })

  it('keeps every record across close and reopen', () => {
    const first = openStore()
    for (const r of sampleRecords()) first.record(r)
    const before = first.totals({ since: T0 - DAY })
    first.close()
    const second = openStore()
    expect(second.totals({ since: T0 - DAY })).toEqual(before)
    expect(second.recent(10)).toHaveLength(5)
  })

  it('answers ranges older than the raw retention from the minute rollups', () => {
    const store = openStore()
    for (const r of sampleRecords(T0 - 3 * DAY)) store.record(r)
    const raw = store.totals({ since: T0 - 4 * DAY })
    const rollup = store.totals({ since: T0 - 30 * DAY })
    expect(raw.source).toBe('raw')
    expect(rollup.source).toBe('rollup')
    const { source: _a, since: _b, p50DurationMs: _c, p95DurationMs: _d, ...fromRaw } = raw
    const { source: _e, since: _f, ...fromRollup } = rollup
    expect(fromRollup.avgDurationMs).toBeCloseTo(fromRaw.avgDurationMs!)
    expect(fromRollup.avgTtfbMs).toBeCloseTo(fromRaw.avgTtfbMs!)
    expect({ ...fromRollup, avgDurationMs: 0, avgTtfbMs: 0, avgTokensPerSecond: 0 }).toEqual({
      ...fromRaw,
      avgDurationMs: 0,
      avgTtfbMs: 0,
      avgTokensPerSecond: 0,
    })
    const byKey = store.breakdown('key', { since: T0 - 30 * DAY })
    expect(byKey.map((r) => [r.group, r.label, r.requests, r.errors])).toEqual([
      ['k1', 'alice', 2, 0],
      ['k2', 'bob', 2, 2],
      ['', '(none)', 1, 1],
    ])
    expect(byKey[0]!.p50DurationMs).toBeUndefined()
  })

  it('prunes raw rows after the retention and rollups after theirs, keeping last use', () => {
    const store = openStore()
    store.record(rec({ ts: T0 - 8 * DAY, keyId: 'old' }))
    store.record(rec({ ts: T0 - 100 * DAY, keyId: 'ancient' }))
    store.record(rec({ ts: T0 - MINUTE }))
    store.prune({ retentionDays: 7, rollupRetentionDays: 90 })
    expect(rowCount(store.file)).toBe(1)
    expect(store.totals({ since: T0 - 10 * DAY })).toMatchObject({ source: 'rollup', requests: 2 })
    expect(store.totals({ since: T0 - 200 * DAY }).requests).toBe(2)
    expect(store.recent(10)).toHaveLength(1)
    expect(store.usageByKey(T0 - DAY).get('ancient')).toMatchObject({
      requests: 0,
      lastUsedAt: T0 - 100 * DAY,
    })
  })

  it('does not prune on open without retention settings (a CLI reading the file)', () => {
    const first = openStore()
    store3(first)
    first.close()
    const later = openStore({ now: () => T0 + 400 * DAY })
    expect(rowCount(later.file)).toBe(3)
  })

  it('prunes on open with the retention it is given', () => {
    const first = openStore()
    store3(first)
    first.close()
    const later = openStore({ now: () => T0 + 10 * DAY, retentionDays: 7, rollupRetentionDays: 9 })
    expect(rowCount(later.file)).toBe(0)
    expect(rowCount(later.file, 'rollup_minute')).toBe(0)
  })

  it('reports usage per key since a time, and when each key was last used', () => {
    const store = openStore()
    store.record(rec({ ts: T0 - 2 * DAY, keyId: 'k1' }))
    for (const r of sampleRecords()) store.record(r)
    const usage = store.usageByKey(T0 - DAY)
    expect(usage.get('k1')).toEqual({
      requests: 2,
      promptTokens: 30,
      completionTokens: 140,
      tokens: 170,
      lastUsedAt: T0 - 5 * MINUTE + 1000,
      lastIp: '192.168.1.20',
    })
    expect(usage.get('k2')).toMatchObject({ requests: 2, tokens: 12 })
    expect(usage.has('')).toBe(false)
  })

  it('serves a per-bucket series from the rollups', () => {
    const store = openStore()
    store.record(rec({ ts: T0 - 10 * MINUTE }))
    store.record(rec({ ts: T0 - 9 * MINUTE, status: 500, outcome: 'backend_error' }))
    store.record(rec({ ts: T0 - 2 * MINUTE }))
    const series = store.series({ since: T0 - 15 * MINUTE, until: T0 }, 5 * MINUTE)
    expect(series.map((p) => [p.ts, p.requests, p.errors])).toEqual([
      [T0 - 10 * MINUTE, 2, 1],
      [T0 - 5 * MINUTE, 1, 0],
    ])
  })

  it('never throws from record(), cleans odd values, and ignores records after close', () => {
    const store = openStore()
    const odd = {
      ...rec(),
      durationMs: Number.NaN,
      promptTokens: -4,
      outcome: 'weird',
      path: '/api/chat?key=crl_abcdefghijklmnop',
    }
    expect(() => store.record(odd as never)).not.toThrow()
    expect(() => store.record(null as never)).not.toThrow()
    const [stored] = store.recent(1)
    expect(stored).toMatchObject({
      durationMs: 0,
      promptTokens: null,
      outcome: 'done',
      path: '/api/chat',
    })
    store.close()
    expect(() => store.record(rec())).not.toThrow()
  })
})

describe('opening a bad stats database', () => {
  it('refuses a file that is not a database with CORRAL_ERR_STATS_CORRUPT', () => {
    const file = join(dir, 'corral.db')
    writeFileSync(file, 'this is not a database, just some text '.repeat(200))
    expect(() => StatsStore.open(file)).toThrow(StatsStoreError)
    try {
      StatsStore.open(file)
    } catch (err) {
      expect(err).toMatchObject({ code: 'CORRAL_ERR_STATS_CORRUPT', file })
      expect((err as Error).message).toContain(file)
    }
  })

  it('moves a corrupt file aside, says why, and starts fresh', () => {
    const file = join(dir, 'corral.db')
    const first = openStore()
    for (const r of sampleRecords()) first.record(r)
    first.close()
    const bytes = readFileSync(file)
    bytes.fill(0x41, 0, 100) // clobber the header
    writeFileSync(file, bytes)

    const { lines, logger } = silentLogger()
    const store = openOrRecover(file, { now: () => T0, logger })
    open.push(store)
    expect(store.totals({ since: 0 }).requests).toBe(0)
    store.record(rec())
    expect(store.totals({ since: T0 - DAY }).requests).toBe(1)
    const aside = readdirSync(dir).filter((f) => f.startsWith('corral.db.corrupt-'))
    expect(aside).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^corral\.db\.corrupt-2025-01-15T12-00-00-000Z$/),
      ]),
    )
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ file }) }),
    ])
  })

  it('refuses a database written by a newer Corral and leaves it in place', () => {
    const file = join(dir, 'corral.db')
    const db = new Database(file)
    db.pragma('user_version = 99')
    db.close()
    expect(() => openOrRecover(file)).toThrow(
      expect.objectContaining({ code: 'CORRAL_ERR_STATS_SCHEMA' }),
    )
    expect(readdirSync(dir)).toEqual(['corral.db'])
  })

  it('gives CORRAL_ERR_STATS_OPEN for a path it cannot open', () => {
    const file = join(dir, 'corral.db')
    mkdirSync(file)
    expect(() => openOrRecover(file)).toThrow(
      expect.objectContaining({ code: 'CORRAL_ERR_STATS_OPEN' }),
    )
    expect(existsSync(file)).toBe(true)
  })
})

function store3(store: StatsStore): void {
  for (const r of sampleRecords().slice(0, 3)) store.record(r)
  store.flush()
}
