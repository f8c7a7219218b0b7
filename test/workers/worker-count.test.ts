// How many gateway processes `corral serve` runs: `auto` (the default) is one process below
// four cores, else a worker per core but one (the primary's), at most four; a bad value is
// refused with exit 2 before anything starts.
import { describe, expect, test } from 'vitest'
import { AUTO_WORKERS_MAX, workerCount } from '../../gateway/cli/serve.js'
import { runCli } from '../support/cli.js'
import { tempDataDir } from '../support/gateway.js'

describe('--workers', () => {
  test('auto, and no flag, is one process below four cores, then a core per worker but one', () => {
    expect(workerCount(undefined, 1)).toBe(1)
    expect(workerCount('auto', 2)).toBe(1)
    expect(workerCount('', 3)).toBe(1)
    expect(workerCount('auto', 4)).toBe(3)
    expect(workerCount('auto', 5)).toBe(4)
    expect(workerCount('auto', 32)).toBe(AUTO_WORKERS_MAX)
  })

  test('a number is taken as it is', () => {
    expect(workerCount('1', 8)).toBe(1)
    expect(workerCount('6', 2)).toBe(6)
  })

  test.each(['0', '-1', '1.5', 'two', '65'])(
    'serve --workers %s exits 2 with a clear message',
    async (bad) => {
      const r = await runCli([
        'serve',
        `--workers=${bad}`,
        '--data-dir',
        tempDataDir(),
        '--port',
        '0',
      ])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('--workers must be auto or a whole number from 1 to 64')
    },
  )

  test('CORRAL_WORKERS is read like the flag', async () => {
    const r = await runCli(['serve', '--data-dir', tempDataDir(), '--port', '0'], {
      CORRAL_WORKERS: 'x',
    })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--workers must be auto')
  })
})
