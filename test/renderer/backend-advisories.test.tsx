// @vitest-environment jsdom
// Issue 25, a vulnerable backend in the Backends view: the CVEs of its Ollama version with
// the version that fixes them, model management said closed, and the owner's choice to
// accept the risk sent to the control API.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { BackendsView } from '../../renderer/src/views/backends-view.js'
import { backend, FakeApi, renderWithApi } from './fake-api.js'

afterEach(cleanup)

const ADVISORIES = [
  {
    cve: 'CVE-2024-37032',
    fixedIn: '0.1.34',
    summary: 'path traversal through a model digest ("Probllama")',
    source: 'https://www.wiz.io/blog/probllama-ollama-vulnerability-cve-2024-37032',
  },
  {
    cve: 'CVE-2026-7482',
    fixedIn: '0.17.1',
    summary: 'heap out-of-bounds read through /api/create and /api/push',
    source: 'https://nvd.nist.gov/vuln/detail/CVE-2026-7482',
  },
]

describe('Backends view, a backend with a vulnerable Ollama', () => {
  it('names each CVE, the version to update to, and that model management is closed', async () => {
    const api = new FakeApi()
    api.backendsData.backends = [backend({ version: '0.1.30', advisories: ADVISORIES })]
    renderWithApi(<BackendsView />, api)
    const alert = await screen.findByRole('alert', { name: 'Vulnerable Ollama on This computer' })
    expect(alert.textContent).toContain('Ollama 0.1.30 on This computer has known vulnerabilities')
    expect(alert.textContent).toContain('Update it to 0.17.1 or later')
    expect(within(alert).getByText('CVE-2024-37032')).toBeTruthy()
    expect(alert.textContent).toContain('(fixed in 0.1.34)')
    expect(alert.textContent).toContain('closed on it for every key')
    fireEvent.click(within(alert).getByRole('button', { name: 'Accept the risk' }))
    await waitFor(() =>
      expect(api.callsTo('updateBackend')).toEqual([['local', { acceptVulnerable: true }]]),
    )
  })

  it('shows nothing for a backend without advisories', async () => {
    const api = new FakeApi()
    api.backendsData.backends = [backend()]
    renderWithApi(<BackendsView />, api)
    await screen.findByRole('listitem', { name: 'This computer' })
    expect(screen.queryByRole('alert')).toBeNull()
  })
})
