import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StatsStore } from '../../gateway/stats/store.js'
import { DAY, T0, tempDir } from './fixtures/records.js'

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => cleanup())

/** better-sqlite3 from this repo's node_modules (the bundles run from a temp dir). */
const nativeSqlite: Plugin = {
  name: 'native-sqlite',
  setup(b) {
    const sqlite = createRequire(import.meta.url).resolve('better-sqlite3')
    b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true }))
  },
}

async function bundle(entry: URL, out: string): Promise<void> {
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [nativeSqlite],
  })
  writeFileSync(out, result.outputFiles[0]!.contents)
}

/** Bundles the child to plain JS, with the writer thread's script beside it (as bench/build.mjs). */
async function bundleChild(): Promise<string> {
  const out = join(dir, 'crash-child.mjs')
  await bundle(new URL('./fixtures/crash-child.ts', import.meta.url), out)
  await bundle(
    new URL('../../gateway/stats/store-worker.mjs', import.meta.url),
    join(dir, 'store-worker.mjs'),
  )
  return out
}

/** Runs the child until `ready(stdout)`, SIGKILLs it, and returns its stdout and stderr. */
async function runAndKill(args: string[], ready: (out: string) => boolean) {
  const script = await bundleChild()
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr.on('data', (data: Buffer) => (err += data.toString()))
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code) => reject(new Error(`child exited early with ${code}: ${err}`)))
    child.stdout.on('data', (data: Buffer) => {
      out += data.toString()
      if (ready(out)) resolve()
    })
  })
  child.removeAllListeners('exit')
  const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  child.kill('SIGKILL')
  expect(await exited).toBe('SIGKILL')
  return { out, err }
}

describe('stats store after a crash', () => {
  it('keeps everything up to the last flush when the process is SIGKILLed', async () => {
    const file = join(dir, 'corral.db')
    const { err } = await runAndKill(['queued', file, '250', '40'], (out) =>
      out.includes('pending\n'),
    )
    expect(err).toBe('') // the writer thread wrote them (no fallback to the main thread)
    expect(existsSync(`${file}-wal`)).toBe(true) // the batch lives in the WAL, not yet checkpointed

    const store = StatsStore.open(file, { now: () => T0, writerThread: null })
    try {
      const totals = store.totals({ since: T0 - DAY })
      expect(totals.requests).toBe(250)
      expect(totals.promptTokens).toBe((249 * 250) / 2)
      expect(store.totals({ since: T0 - 60 * DAY }).requests).toBe(250) // rollups agree
    } finally {
      store.close()
    }
  })

  /** Pins: the writer thread commits whole batches, and what a flush said was written stays. */
  it('keeps every flushed record and only whole batches when SIGKILLed mid-traffic', async () => {
    const file = join(dir, 'corral.db')
    const batch = 100
    const { out, err } = await runAndKill(
      ['traffic', file, String(batch)],
      (o) => o.split('\n').filter((l) => l.startsWith('flushed')).length >= 3,
    )
    expect(err).toBe('')
    const flushed = Math.max(...[...out.matchAll(/flushed (\d+)/g)].map((m) => Number(m[1])))

    const store = StatsStore.open(file, { now: () => T0, writerThread: null })
    try {
      const requests = store.totals({ since: T0 - DAY }).requests
      expect(requests).toBeGreaterThanOrEqual(flushed)
      expect(requests % batch).toBe(0)
      expect(store.totals({ since: T0 - 60 * DAY }).requests).toBe(requests) // rollups agree
    } finally {
      store.close()
    }
  })
})
