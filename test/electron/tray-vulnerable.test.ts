// Issue 25, a vulnerable backend in the tray: an Ollama older than a known fix gets an
// info line with its CVEs and the version to update to (gateway/advisories/).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startFakeOllama } from '../support/fake-ollama.js'
import {
  backend,
  labels,
  launch,
  onCleanup,
  tempDir,
  writeConfig,
  type TestDesktop,
} from './helpers.js'

/** The desktop app on one stand-in Ollama of `version`, its health checked and the tray drawn. */
async function withOllama(version: string): Promise<TestDesktop> {
  const fake = await startFakeOllama({ version })
  onCleanup(() => fake.close())
  const dir = tempDir()
  writeConfig(dir, { sharing: true, backends: [backend(fake.url)] })
  const desktop = await launch(dir)
  await desktop.running!.corral.health.checkNow()
  await desktop.refresh()
  return desktop
}

describe('the tray menu', () => {
  it('names a backend whose Ollama has known vulnerabilities, with the CVEs and the fix', async () => {
    const desktop = await withOllama('0.1.30')
    const name = desktop.running!.corral.pool.list()[0]!.record.name
    expect(labels()).toContain(
      `Ollama 0.1.30 on ${name}: CVE-2024-37032, CVE-2026-7482; update to 0.17.1`,
    )
  })

  it('has no such line for a fixed version', async () => {
    await withOllama('0.17.1')
    expect(labels().filter((l) => l.includes('CVE-'))).toEqual([])
  })
})

describe('the tray and the local Ollama open to the LAN', () => {
  afterEach(() => vi.unstubAllEnvs())

  // The tray takes the exposure warning from /control/status, where it comes first among the
  // warnings (gateway/control/status.ts); another warning must not be taken for it.
  it('says so with the warning from the control status, and not for another warning', async () => {
    const desktop = await withOllama('0.1.30')
    expect(desktop.status().vulnerable).toHaveLength(1)
    expect(desktop.status().exposureWarning).toBeNull()
    expect(labels()).not.toContain('Ollama itself is open to the LAN (no keys)')

    vi.stubEnv('OLLAMA_HOST', '0.0.0.0')
    await desktop.refresh()
    expect(desktop.status().exposureWarning).toMatch(
      /^OLLAMA_HOST makes the local Ollama listen on all interfaces/,
    )
    expect(labels()).toContain('Ollama itself is open to the LAN (no keys)')
  })
})
