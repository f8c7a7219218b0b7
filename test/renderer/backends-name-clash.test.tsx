// @vitest-environment jsdom
// Issue 25: a discovered service that took the name of a backend ("This computer") is shown
// with its address and a name-clash note, and adding it asks first, then adds it by address
// under a name of its own.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react'
import { BackendsView } from '../../renderer/src/views/backends-view.js'
import type { Candidate } from '../../renderer/src/api/types.js'
import { FakeApi, NOW, renderWithApi } from './fake-api.js'

afterEach(() => {
  cleanup()
  vi.restoreAllMocks()
})

const HOSTILE: Candidate = {
  name: 'This computer',
  host: 'evil.local',
  addresses: ['192.168.1.66'],
  port: 11434,
  url: 'http://192.168.1.66:11434',
  needsKey: false,
  app: null,
  version: null,
  apis: ['ollama'],
  lastSeen: NOW,
  nameClash:
    'the backend at http://127.0.0.1:11434 has this name; this is another host, at http://192.168.1.66:11434',
}

describe('a discovered service whose name clashes', () => {
  it('is shown with its address and the clash, and adding it asks first', async () => {
    const api = new FakeApi()
    api.backendsData.candidates = [HOSTILE]
    renderWithApi(<BackendsView />, api)
    await screen.findByText(/Name clash: the backend at http:\/\/127\.0\.0\.1:11434/)
    expect(screen.getByText('http://192.168.1.66:11434')).toBeTruthy()
    expect(screen.getByText('name clash')).toBeTruthy()

    const ask = vi.spyOn(window, 'confirm').mockReturnValueOnce(false)
    fireEvent.click(screen.getByRole('button', { name: 'Add This computer' }))
    await waitFor(() => expect(ask).toHaveBeenCalledTimes(1))
    expect(ask.mock.calls[0]![0]).toContain('192.168.1.66:11434')
    expect(api.callsTo('addBackend')).toEqual([])

    // The button is disabled while an add runs, even one the owner declined: click again
    // once it is back, as a person would (a click on a disabled button does nothing).
    const add = screen.getByRole<HTMLButtonElement>('button', { name: 'Add This computer' })
    await waitFor(() => expect(add.disabled).toBe(false))
    ask.mockReturnValueOnce(true)
    fireEvent.click(add)
    await waitFor(() =>
      expect(api.callsTo('addBackend')).toEqual([
        [{ candidate: HOSTILE.url, name: 'This computer at 192.168.1.66:11434' }],
      ]),
    )
  })
})
