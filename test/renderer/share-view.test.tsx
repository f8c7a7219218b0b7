// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { ShareView } from '../../renderer/src/views/share-view.js'
import { backend, FakeApi, liveSnapshot, renderWithApi } from './fake-api.js'

afterEach(cleanup)

describe('Share view', () => {
  it('shows the LAN address with a copy button and the backends at a glance', async () => {
    const api = new FakeApi()
    api.statusData.backends = [
      backend(),
      backend({ id: 'gpu', name: 'GPU box', state: 'down', lastError: 'connect ECONNREFUSED' }),
    ]
    renderWithApi(<ShareView />, api)

    const urls = await screen.findByRole('list', { name: 'Addresses on your network' })
    expect(within(urls).getByText('http://192.168.1.5:11435')).toBeTruthy()
    expect(
      within(urls).getByRole('button', { name: 'Copy: http://192.168.1.5:11435' }),
    ).toBeTruthy()
    expect(
      screen.getByRole('switch', { name: 'Share on the LAN' }).getAttribute('aria-checked'),
    ).toBe('true')
    expect(screen.getByText('Healthy')).toBeTruthy()
    expect(screen.getByText('Not answering')).toBeTruthy()
    expect(screen.getByText('12 ms')).toBeTruthy()
  })

  it('turns sharing off with the switch and says that only this computer can connect', async () => {
    const api = new FakeApi()
    renderWithApi(<ShareView />, api)
    const toggle = await screen.findByRole('switch', { name: 'Share on the LAN' })
    fireEvent.click(toggle)
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('false'))
    expect(api.callsTo('setSharing')).toEqual([[false]])
    expect(screen.getByText(/only this computer can reach Corral/)).toBeTruthy()
    expect(screen.queryByRole('list', { name: 'Addresses on your network' })).toBeNull()
  })

  it('warns in plain words when the local Ollama listens on all interfaces', async () => {
    const api = new FakeApi()
    api.statusData.localOllamaExposed = true
    api.statusData.warnings = [
      'The local Ollama listens on all interfaces (port 11434): anyone on the LAN can use it without a key. Set OLLAMA_HOST=127.0.0.1 and restart Ollama.',
    ]
    renderWithApi(<ShareView />, api)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Ollama is open to the whole network')
    expect(alert.textContent).toContain('OLLAMA_HOST=127.0.0.1')
  })

  it('"Add a device" creates a key and shows it once with a QR code and the setup link', async () => {
    const api = new FakeApi()
    renderWithApi(<ShareView />, api)
    fireEvent.click(await screen.findByRole('button', { name: /Add a device/ }))
    const dialog = screen.getByRole('dialog', { name: 'Add a device' })
    const name = within(dialog).getByLabelText('Name')
    expect(document.activeElement).toBe(name)
    fireEvent.change(name, { target: { value: 'Sam’s phone' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create key' }))

    const ready = await screen.findByRole('dialog', { name: 'Key “Sam’s phone” is ready' })
    expect(api.callsTo('createKey')[0]?.[0]).toMatchObject({
      name: 'Sam’s phone',
      scopes: ['inference'],
      expires: null,
    })
    expect(within(ready).getByTestId('new-key').textContent).toMatch(/^crl_x+$/)
    expect(within(ready).getByTestId('connect-url').textContent).toMatch(
      /^http:\/\/192\.168\.1\.5:11435\/connect#key=crl_/,
    )
    const qr = await within(ready).findByRole('img', { name: /QR code that opens the setup page/ })
    expect(qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/)
    expect(within(ready).getByText('Copy the key now')).toBeTruthy()
  })

  it('keeps the numbers in place as live ticks arrive', async () => {
    const api = new FakeApi()
    renderWithApi(<ShareView />, api)
    await screen.findByText('Requests per second')
    act(() =>
      api.emit({ type: 'tick', snapshot: liveSnapshot({ rps: 3.25, tps: 120.4, inFlight: 2 }) }),
    )
    expect(await screen.findByText('3.3')).toBeTruthy()
    expect(screen.getByText('120')).toBeTruthy()
    expect(screen.getByText('2 in flight')).toBeTruthy()
  })

  it('shows why the status could not be read instead of an empty page', async () => {
    const api = new FakeApi()
    api.failNext('status', 500, 'internal error')
    renderWithApi(<ShareView />, api)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Something went wrong inside Corral (error 500)')
  })
})
