import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { pino } from 'pino'
import { accessLogLine, createAccessLog } from '../../gateway/stats/access-log.js'
import { MINUTE, T0, rec, tempDir } from './fixtures/records.js'

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => cleanup())

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe('access log', () => {
  it('writes one JSON line per request with the key’s id and name', async () => {
    const log = createAccessLog({ dir, enabled: true, maxSizeBytes: 1_000_000, maxFiles: 3 })
    log.write(rec())
    await log.close()
    const [line] = lines(join(dir, 'access.log'))
    expect(line).toMatchObject({
      level: 'info',
      msg: 'request',
      start: new Date(T0 - 5 * MINUTE).toISOString(),
      keyId: 'k1',
      keyName: 'alice',
      ip: '192.168.1.20',
      method: 'POST',
      path: '/api/chat',
      status: 200,
      outcome: 'done',
      promptTokens: 10,
      completionTokens: 40,
    })
    expect(typeof line!.time).toBe('string')
  })

  it('writes the very line pino wrote before, strange strings and missing values included', () => {
    // Log shippers parsed pino's lines; the line is now built in one JSON.stringify.
    const at = new Date(T0)
    let written = ''
    const logger = pino(
      {
        base: null,
        timestamp: () => `,"time":"${at.toISOString()}"`,
        formatters: { level: (label) => ({ level: label }) },
      },
      { write: (s: string) => void (written += s) },
    )
    for (const r of [
      rec(),
      rec({ model: 'qwen3:8b\u2028"\\\n', keyName: 'ünï 🐄', backend: null, ttfbMs: null }),
      rec({ tokensPerSecond: Number.NaN, completionTokens: undefined as never }),
    ]) {
      written = ''
      const { ts, keyId, keyName, clientIp, method, status, outcome, backend, model } = r
      logger.info(
        {
          start: new Date(ts).toISOString(),
          keyId,
          keyName,
          ip: clientIp,
          method,
          path: r.path,
          status,
          outcome,
          backend,
          model,
          durationMs: r.durationMs,
          ttfbMs: r.ttfbMs,
          queued: r.queued,
          queueMs: r.queueMs,
          promptTokens: r.promptTokens,
          completionTokens: r.completionTokens,
          tokensPerSecond: r.tokensPerSecond,
        },
        'request',
      )
      expect(accessLogLine(r, at)).toBe(written)
    }
  })

  it('rotates by size, keeping maxFiles old files, none over the limit', async () => {
    const log = createAccessLog({ dir, enabled: true, maxSizeBytes: 2000, maxFiles: 2 })
    for (let i = 0; i < 60; i++) log.write(rec({ ts: T0 + i }))
    await log.flush()
    expect(readdirSync(dir).sort()).toEqual(['access.1.log', 'access.2.log', 'access.log'])
    for (const name of readdirSync(dir))
      expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(2000)
    const kept = [
      ...lines(join(dir, 'access.2.log')),
      ...lines(join(dir, 'access.1.log')),
      ...lines(join(dir, 'access.log')),
    ]
    const starts = kept.map((l) => Date.parse(l.start as string) - T0)
    expect(starts.at(-1)).toBe(59)
    expect(starts).toEqual([...starts].sort((a, b) => a - b)) // oldest file first, in order
    await log.close()
  })

  it('counts a log left by an earlier run towards the size limit', async () => {
    writeFileSync(join(dir, 'access.log'), `${'x'.repeat(1900)}\n`)
    const log = createAccessLog({ dir, enabled: true, maxSizeBytes: 2000, maxFiles: 1 })
    log.write(rec())
    await log.close()
    expect(readFileSync(join(dir, 'access.1.log'), 'utf8')).toMatch(/^x+\n$/)
    expect(lines(join(dir, 'access.log'))).toHaveLength(1)
  })

  it('never writes a key, even one a client put in the URL', async () => {
    const secret = 'crl_Q2hhbmdlTWVQbGVhc2VJdHNBU2VjcmV0S2V5MTIz'
    const log = createAccessLog({ dir, enabled: true, maxSizeBytes: 1_000_000, maxFiles: 1 })
    log.write(rec({ path: `/api/chat?key=${secret}` }))
    log.write(rec({ path: `/ollama/${secret}/api/tags` }))
    log.write({ ...rec(), key: secret, headers: { authorization: `Bearer ${secret}` } } as never)
    await log.close()
    const text = readFileSync(join(dir, 'access.log'), 'utf8')
    expect(text).not.toContain(secret.slice(4))
    expect(lines(join(dir, 'access.log')).map((l) => l.path)).toEqual([
      '/api/chat',
      '/ollama/crl_[redacted]/api/tags',
      '/api/chat',
    ])
  })

  it('does nothing when logging is off', async () => {
    const log = createAccessLog({
      dir: join(dir, 'logs'),
      enabled: false,
      maxSizeBytes: 2000,
      maxFiles: 1,
    })
    log.write(rec())
    await log.close()
    expect(existsSync(join(dir, 'logs'))).toBe(false)
  })
})
