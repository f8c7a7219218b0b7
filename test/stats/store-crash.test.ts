import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StatsStore } from '../../gateway/stats/store.js'
import { DAY, T0, tempDir } from './fixtures/records.js'

let dir: string
let cleanup: () => void
beforeEach(() => {
  ;({ dir, cleanup } = tempDir())
})
afterEach(() => cleanup())

/** Bundles the child to plain JS, loading better-sqlite3 from this repo's node_modules. */
async function bundleChild(): Promise<string> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3')
  const out = join(dir, 'crash-child.mjs')
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'native-sqlite',
        setup(b) {
          b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: sqlite, external: true }))
        },
      },
    ],
  })
  writeFileSync(out, result.outputFiles[0]!.contents)
  return out
}

describe('stats store after a crash', () => {
  it('keeps everything up to the last flush when the process is SIGKILLed', async () => {
    const script = await bundleChild()
    const file = join(dir, 'corral.db')
    const child = spawn(process.execPath, [script, file, '250', '40'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject)
      child.on('exit', (code) => reject(new Error(`child exited early with ${code}`)))
      child.stdout.on('data', (data: Buffer) => {
        out += data.toString()
        if (out.includes('pending\n')) resolve()
      })
    })
    child.removeAllListeners('exit')
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    expect(existsSync(`${file}-wal`)).toBe(true) // the batch lives in the WAL, not yet checkpointed

    const store = StatsStore.open(file, { now: () => T0 })
    try {
      const totals = store.totals({ since: T0 - DAY })
      expect(totals.requests).toBe(250)
      expect(totals.promptTokens).toBe((249 * 250) / 2)
      expect(store.totals({ since: T0 - 60 * DAY }).requests).toBe(250) // rollups agree
    } finally {
      store.close()
    }
  })
})
