// @vitest-environment jsdom
// Share without Ollama (issue 27): an amber banner at the top saying what to do, and the
// switch's line does not claim a plain "On" as if teammates could use it.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, screen } from '@testing-library/react'
import { ShareView } from '../../renderer/src/views/share-view.js'
import { FakeApi, renderWithApi } from './fake-api.js'

afterEach(cleanup)

const MESSAGE =
  'Ollama is not running at 127.0.0.1:11434 — start it with `ollama serve` or install it (https://ollama.com/download); Corral will pick it up.'

describe('Share while Ollama is not running', () => {
  it('shows the amber banner first, with what to do', async () => {
    const api = new FakeApi()
    api.statusData.ollama = { state: 'down', message: MESSAGE }
    api.statusData.warnings = [MESSAGE]
    renderWithApi(<ShareView />, api)
    const banner = await screen.findByTestId('ollama-down')
    expect(banner.textContent).toContain('Ollama is not running')
    expect(banner.textContent).toContain('ollama serve')
    expect(banner.querySelector('.banner-warning')).toBeTruthy()
    expect(screen.getByText(/On, but Ollama is not running/)).toBeTruthy()
    // Said once: not again among the warnings at the bottom.
    expect(screen.getAllByText(/Corral will pick it up/)).toHaveLength(1)
  })

  it('shows no banner while Ollama runs', async () => {
    renderWithApi(<ShareView />, new FakeApi())
    await screen.findByRole('switch', { name: 'Share on the LAN' })
    expect(screen.queryByTestId('ollama-down')).toBeNull()
  })
})
