// Issue 25, a vulnerable backend in the tray: an Ollama older than a known fix gets an
// info line with its CVEs and the version to update to (gateway/advisories/).
import { describe, expect, it } from 'vitest'
import { startFakeOllama } from '../support/fake-ollama.js'
import { backend, labels, launch, onCleanup, tempDir, writeConfig } from './helpers.js'

describe('the tray menu', () => {
  it('names a backend whose Ollama has known vulnerabilities, with the CVEs and the fix', async () => {
    const fake = await startFakeOllama({ version: '0.1.30' })
    onCleanup(() => fake.close())
    const dir = tempDir()
    writeConfig(dir, { sharing: true, backends: [backend(fake.url)] })
    const desktop = await launch(dir)
    await desktop.running!.corral.health.checkNow()
    await desktop.refresh()
    const name = desktop.running!.corral.pool.list()[0]!.record.name
    expect(labels()).toContain(
      `Ollama 0.1.30 on ${name}: CVE-2024-37032, CVE-2026-7482; update to 0.17.1`,
    )
  })

  it('has no such line for a fixed version', async () => {
    const fake = await startFakeOllama({ version: '0.17.1' })
    onCleanup(() => fake.close())
    const dir = tempDir()
    writeConfig(dir, { sharing: true, backends: [backend(fake.url)] })
    const desktop = await launch(dir)
    await desktop.running!.corral.health.checkNow()
    await desktop.refresh()
    expect(labels().filter((l) => l.includes('CVE-'))).toEqual([])
  })
})
