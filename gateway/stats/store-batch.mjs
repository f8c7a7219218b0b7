// @ts-check
// Writing a batch of request records: the raw rows, the per-minute rollups and each key's
// last use, in one transaction; and the compact form a batch crosses threads in. Plain
// JavaScript for the writer thread (see store-worker.mjs); store.ts and the queries import
// it too.

/** @typedef {import('./record.js').RequestRecord} RequestRecord */
/** @typedef {import('./record.js').Outcome} Outcome */

export const MINUTE_MS = 60_000

/** The start of the minute `ts` falls in. */
export const minuteOf = (/** @type {number} */ ts) => Math.floor(ts / MINUTE_MS) * MINUTE_MS

/** The outcome columns of `rollup_minute`, in the order of record.ts's OUTCOMES. */
export const OUTCOME_COLUMNS = /** @type {readonly Outcome[]} */ ([
  'done',
  'client_aborted',
  'backend_error',
  'limited',
  'refused',
])

// --- The compact form in which a batch crosses to the writer thread: the numbers of every
// record in one Float64Array (transferred, not copied), its strings as indexes into a table
// of the batch's distinct strings (a few: keys, backends, models, addresses repeat). Posting
// it costs the main thread about a third of what an array of objects (or of values) costs.
// A null string is -1, a null number NaN (normalizeRecord leaves no NaN of its own).

/**
 * @typedef {{ numbers: Float64Array<ArrayBuffer>, strings: string[] }} EncodedBatch
 */

/** Numbers a record, in the order encodeRecords writes them. */
export const RECORD_STRIDE = 17

/** @param {readonly RequestRecord[]} records @returns {EncodedBatch} */
export function encodeRecords(records) {
  const numbers = new Float64Array(records.length * RECORD_STRIDE)
  /** @type {string[]} */
  const strings = []
  /** @type {Map<string, number>} */
  const indexes = new Map()
  /** @param {string | null} value */
  const text = (value) => {
    if (value === null) return -1
    let index = indexes.get(value)
    if (index === undefined) {
      index = strings.length
      strings.push(value)
      indexes.set(value, index)
    }
    return index
  }
  let i = 0
  for (const r of records) {
    numbers[i++] = r.ts
    numbers[i++] = text(r.keyId)
    numbers[i++] = text(r.keyName)
    numbers[i++] = text(r.clientIp)
    numbers[i++] = text(r.backend)
    numbers[i++] = text(r.model)
    numbers[i++] = text(r.method)
    numbers[i++] = text(r.path)
    numbers[i++] = r.status
    numbers[i++] = r.durationMs
    numbers[i++] = r.ttfbMs ?? NaN
    numbers[i++] = r.promptTokens ?? NaN
    numbers[i++] = r.completionTokens ?? NaN
    numbers[i++] = r.tokensPerSecond ?? NaN
    numbers[i++] = r.queued ? 1 : 0
    numbers[i++] = r.queueMs
    numbers[i++] = text(r.outcome)
  }
  return { numbers, strings }
}

/**
 * The records of an encoded batch, appended to `into`.
 * @param {EncodedBatch} batch
 * @param {RequestRecord[]} [into]
 */
export function decodeRecords({ numbers: n, strings }, into = []) {
  /** @param {number} index */
  const text = (index) => strings[index] ?? ''
  /** @param {number} index */
  const textOrNull = (index) => (index < 0 ? null : text(index))
  /** @param {number} value */
  const numberOrNull = (value) => (Number.isNaN(value) ? null : value)
  /** @param {number} index */
  const at = (index) => n[index] ?? NaN
  for (let i = 0; i + RECORD_STRIDE <= n.length; i += RECORD_STRIDE) {
    into.push({
      ts: at(i),
      keyId: textOrNull(at(i + 1)),
      keyName: textOrNull(at(i + 2)),
      clientIp: text(at(i + 3)),
      backend: textOrNull(at(i + 4)),
      model: textOrNull(at(i + 5)),
      method: text(at(i + 6)),
      path: text(at(i + 7)),
      status: at(i + 8),
      durationMs: at(i + 9),
      ttfbMs: numberOrNull(at(i + 10)),
      promptTokens: numberOrNull(at(i + 11)),
      completionTokens: numberOrNull(at(i + 12)),
      tokensPerSecond: numberOrNull(at(i + 13)),
      queued: n[i + 14] === 1,
      queueMs: at(i + 15),
      outcome: /** @type {Outcome} */ (text(at(i + 16))),
    })
  }
  return into
}

/**
 * Returns a function that writes one batch in one transaction (throws on failure), so a
 * crash leaves either the whole batch or none of it.
 * @param {import('better-sqlite3').Database} db
 * @returns {(batch: readonly RequestRecord[]) => void}
 */
export function createBatchWriter(db) {
  // One row a record: positional parameters, which bind in about half the time named ones do.
  const insertRequest = db.prepare(`
    INSERT INTO requests (ts, key_id, key_name, client_ip, backend, model, method, path, status,
      duration_ms, ttfb_ms, prompt_tokens, completion_tokens, tokens_per_second, queued, queue_ms,
      outcome)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const upsertRollup = db.prepare(`
    INSERT INTO rollup_minute (minute, key_id, backend, model, key_name, requests, errors,
      prompt_tokens, completion_tokens, duration_ms_sum, ttfb_ms_sum, ttfb_count, tps_sum,
      tps_count, queued, queue_ms_sum, done, client_aborted, backend_error, limited, refused)
    VALUES (@minute, @keyId, @backend, @model, @keyName, @requests, @errors, @promptTokens,
      @completionTokens, @durationMsSum, @ttfbMsSum, @ttfbCount, @tpsSum, @tpsCount, @queued,
      @queueMsSum, @done, @client_aborted, @backend_error, @limited, @refused)
    ON CONFLICT (minute, key_id, backend, model) DO UPDATE SET
      key_name = coalesce(excluded.key_name, key_name),
      requests = requests + excluded.requests,
      errors = errors + excluded.errors,
      prompt_tokens = prompt_tokens + excluded.prompt_tokens,
      completion_tokens = completion_tokens + excluded.completion_tokens,
      duration_ms_sum = duration_ms_sum + excluded.duration_ms_sum,
      ttfb_ms_sum = ttfb_ms_sum + excluded.ttfb_ms_sum,
      ttfb_count = ttfb_count + excluded.ttfb_count,
      tps_sum = tps_sum + excluded.tps_sum,
      tps_count = tps_count + excluded.tps_count,
      queued = queued + excluded.queued,
      queue_ms_sum = queue_ms_sum + excluded.queue_ms_sum,
      done = done + excluded.done,
      client_aborted = client_aborted + excluded.client_aborted,
      backend_error = backend_error + excluded.backend_error,
      limited = limited + excluded.limited,
      refused = refused + excluded.refused`)
  const upsertLastUse = db.prepare(`
    INSERT INTO key_last_used (key_id, key_name, last_used_at, last_ip)
    VALUES (@keyId, @keyName, @lastUsedAt, @lastIp)
    ON CONFLICT (key_id) DO UPDATE SET
      key_name = excluded.key_name, last_used_at = excluded.last_used_at, last_ip = excluded.last_ip
    WHERE excluded.last_used_at >= key_last_used.last_used_at`)

  return db.transaction((/** @type {readonly RequestRecord[]} */ batch) => {
    for (const r of batch) {
      insertRequest.run(
        r.ts,
        r.keyId,
        r.keyName,
        r.clientIp,
        r.backend,
        r.model,
        r.method,
        r.path,
        r.status,
        r.durationMs,
        r.ttfbMs,
        r.promptTokens,
        r.completionTokens,
        r.tokensPerSecond,
        r.queued ? 1 : 0,
        r.queueMs,
        r.outcome,
      )
    }
    for (const row of rollUp(batch)) upsertRollup.run({ ...row, ...row.outcomes })
    for (const use of lastUses(batch)) upsertLastUse.run(use)
  })
}

/**
 * @typedef {{ minute: number, keyId: string, backend: string, model: string,
 *   keyName: string | null, requests: number, errors: number, promptTokens: number,
 *   completionTokens: number, durationMsSum: number, ttfbMsSum: number, ttfbCount: number,
 *   tpsSum: number, tpsCount: number, queued: number, queueMsSum: number,
 *   outcomes: Record<Outcome, number> }} RollupRow
 */

/**
 * Aggregates a batch per minute × key × backend × model.
 * @param {readonly RequestRecord[]} batch
 */
function rollUp(batch) {
  /** @type {Map<string, RollupRow>} */
  const rows = new Map()
  for (const r of batch) {
    const minute = minuteOf(r.ts)
    const keyId = r.keyId ?? ''
    const backend = r.backend ?? ''
    const model = r.model ?? ''
    const id = `${minute}\u0000${keyId}\u0000${backend}\u0000${model}`
    let row = rows.get(id)
    if (row === undefined) {
      row = emptyRollup(minute, keyId, backend, model)
      rows.set(id, row)
    }
    if (r.keyName !== null) row.keyName = r.keyName
    row.requests++
    // isErrorRecord() of record.ts, and the queries' SQL: an error status or a failed backend.
    if (r.status >= 400 || r.outcome === 'backend_error') row.errors++
    row.promptTokens += r.promptTokens ?? 0
    row.completionTokens += r.completionTokens ?? 0
    row.durationMsSum += r.durationMs
    if (r.ttfbMs !== null) {
      row.ttfbMsSum += r.ttfbMs
      row.ttfbCount++
    }
    if (r.tokensPerSecond !== null) {
      row.tpsSum += r.tokensPerSecond
      row.tpsCount++
    }
    if (r.queued) {
      row.queued++
      row.queueMsSum += r.queueMs
    }
    row.outcomes[r.outcome]++
  }
  return rows.values()
}

/**
 * @param {number} minute
 * @param {string} keyId
 * @param {string} backend
 * @param {string} model
 * @returns {RollupRow}
 */
function emptyRollup(minute, keyId, backend, model) {
  const outcomes = /** @type {Record<Outcome, number>} */ (
    Object.fromEntries(OUTCOME_COLUMNS.map((o) => [o, 0]))
  )
  return {
    minute,
    keyId,
    backend,
    model,
    keyName: null,
    requests: 0,
    errors: 0,
    promptTokens: 0,
    completionTokens: 0,
    durationMsSum: 0,
    ttfbMsSum: 0,
    ttfbCount: 0,
    tpsSum: 0,
    tpsCount: 0,
    queued: 0,
    queueMsSum: 0,
    outcomes,
  }
}

/**
 * The latest use of each key in a batch.
 * @param {readonly RequestRecord[]} batch
 */
function lastUses(batch) {
  /** @type {Map<string, { keyId: string, keyName: string | null, lastUsedAt: number, lastIp: string }>} */
  const uses = new Map()
  for (const r of batch) {
    if (r.keyId === null) continue
    const known = uses.get(r.keyId)
    if (known === undefined || r.ts >= known.lastUsedAt) {
      uses.set(r.keyId, {
        keyId: r.keyId,
        keyName: r.keyName,
        lastUsedAt: r.ts,
        lastIp: r.clientIp,
      })
    }
  }
  return uses.values()
}
