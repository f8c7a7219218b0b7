// CLI messages a newcomer meets (issue 27): an unknown or incomplete option is said in
// Corral's words (never Node's parseArgs text) with exit code 2, the code for bad usage.
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
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

describe('a port in use', () => {
  test('names the port, the program holding it, and the flag to pick another', async () => {
    const holder = net.createServer()
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
    const port = (holder.address() as net.AddressInfo).port
    const r = await runCli([
      'serve',
      '--data-dir',
      fs.mkdtempSync(path.join(tmpdir(), 'corral-inuse-')),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--control-port',
      '0',
      '--no-mdns',
      '--workers',
      '1',
    ])
    holder.close()
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`port ${port} is already in use`)
    expect(r.stderr).toContain(`pid ${process.pid}`)
    expect(r.stderr).toContain('--port N')
    expect(r.stderr).not.toContain('EADDRINUSE')
  }, 30_000)
})
