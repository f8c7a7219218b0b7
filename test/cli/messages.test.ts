// CLI messages a newcomer meets (issue 27): an unknown or incomplete option is said in
// Corral's words (never Node's parseArgs text) with exit code 2, the code for bad usage.
import { tmpdir } from 'node:os'
import { describe, expect, test } from 'vitest'
import { runCli } from '../support/cli.js'

describe('bad usage', () => {
  test('an unknown option names it, exits 2, and shows the usage', async () => {
    const r = await runCli(['serve', '--bogus'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^corral: unknown option --bogus: /)
    expect(r.stderr).not.toContain('positional argument')
    expect(r.stderr).toContain('Usage:')
    expect(r.stdout).toBe('')
  })

  test('an option missing its value says so', async () => {
    const r = await runCli(['serve', '--port'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^corral: option --port needs a value/)
  })

  test('--plain-port 0 is refused: leaving it out means no plain port', async () => {
    const r = await runCli([
      'serve',
      '--data-dir',
      tmpdir(),
      '--tls',
      'self-signed',
      '--plain-port',
      '0',
    ])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('leave it out for none')
  })
})
