// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { KeysView, optionsText } from '../../renderer/src/views/keys-view.js'
import { KeyDialog } from '../../renderer/src/views/key-dialog.js'
import { FakeApi, keyView, renderWithApi } from './fake-api.js'

afterEach(cleanup)

describe('Add a guest', () => {
  it('makes an inference-only key that expires in 24 h unless chosen, and shows its QR code', async () => {
    const api = new FakeApi()
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Add a guest' }))
    const dialog = screen.getByRole('dialog', { name: 'Add a guest' })
    expect(within(dialog).queryByRole('checkbox', { name: /May pull/ })).toBeNull()
    expect((within(dialog).getByLabelText('Expires') as HTMLSelectElement).value).toBe('24h')
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'Sam' } })
    fireEvent.change(within(dialog).getByLabelText('Expires'), { target: { value: '2h' } })
    fireEvent.click(await within(dialog).findByRole('checkbox', { name: 'llama3.2:latest' }))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create guest key' }))

    const ready = await screen.findByRole('dialog', { name: 'Key “Sam” is ready' })
    expect(api.callsTo('createKey')[0]?.[0]).toEqual({
      name: 'Sam',
      guest: true,
      models: ['llama3.2:latest'],
      expires: '2h',
    })
    expect(within(ready).getByText(/only from the network of the first device/)).toBeTruthy()
    expect(await within(ready).findByRole('img', { name: /QR code/ })).toBeTruthy()
  })

  it('may stay unnamed: no name is sent and the server names it', async () => {
    const api = new FakeApi()
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Add a guest' }))
    const dialog = screen.getByRole('dialog', { name: 'Add a guest' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create guest key' }))
    await screen.findByRole('dialog', { name: /is ready/ })
    expect(api.callsTo('createKey')[0]?.[0]).toEqual({ guest: true, expires: '24h' })
  })

  it('is one choice of the “Add a device” flow (the Share view and the tray)', async () => {
    const api = new FakeApi()
    renderWithApi(<KeyDialog title="Add a device" simple sharing onClose={() => {}} />, api)
    const dialog = await screen.findByRole('dialog', { name: 'Add a device' })
    fireEvent.click(within(dialog).getByRole('radio', { name: 'A guest' }))
    expect((within(dialog).getByLabelText('Expires') as HTMLSelectElement).value).toBe('24h')
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create guest key' }))
    await screen.findByRole('dialog', { name: /is ready/ })
    expect(api.callsTo('createKey')[0]?.[0]).toMatchObject({ guest: true, expires: '24h' })
  })
})

describe('model options in the key dialogs', () => {
  it('a new key sends the options and the keep-alive cap it was given', async () => {
    const api = new FakeApi()
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'New key' }))
    const dialog = screen.getByRole('dialog', { name: 'New key' })
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'tuned' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add option' }))
    fireEvent.change(within(dialog).getByLabelText('Option'), { target: { value: 'num_ctx' } })
    fireEvent.change(within(dialog).getByLabelText('Value'), { target: { value: '8192' } })
    fireEvent.change(within(dialog).getByLabelText('Longest keep-alive'), {
      target: { value: '30m' },
    })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create key' }))
    await screen.findByRole('dialog', { name: /is ready/ })
    expect(api.callsTo('createKey')[0]?.[0]).toMatchObject({
      name: 'tuned',
      options: { num_ctx: 8192 },
      keepAliveMax: '30m',
    })
  })

  it('Edit sends only what changed: a removed option as null, a new one with its value', async () => {
    const api = new FakeApi()
    api.keyList = [
      keyView({ options: { temperature: 0.2, num_ctx: 4096 }, keepAliveMaxSeconds: 1800 }),
    ]
    renderWithApi(<KeysView />, api)
    expect(
      await screen.findByText('temperature 0.2 · num_ctx 4096 · keep-alive ≤ 30 min'),
    ).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Actions for alice' }))
    fireEvent.click(screen.getByRole('menuitem', { name: 'Edit…' }))
    const dialog = screen.getByRole('dialog', { name: 'Edit “alice”' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove option temperature' }))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add option' }))
    const names = within(dialog).getAllByLabelText('Option')
    const values = within(dialog).getAllByLabelText('Value')
    fireEvent.change(names.at(-1)!, { target: { value: 'stop' } })
    fireEvent.change(values.at(-1)!, { target: { value: 'END' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(api.callsTo('updateKey')).toHaveLength(1))
    expect(api.callsTo('updateKey')[0]).toEqual([
      'k1',
      { options: { temperature: null, stop: ['END'] } },
    ])
    expect(await screen.findByText('num_ctx 4096 · stop END · keep-alive ≤ 30 min')).toBeTruthy()
  })

  it('shows the server’s refusal of an unknown option in words and keeps the dialog', async () => {
    const api = new FakeApi()
    api.failNext('updateKey', 400, 'Ollama has no option "num_ctxx" (known: num_ctx, …)')
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Actions for alice' }))
    fireEvent.click(screen.getByRole('menuitem', { name: 'Edit…' }))
    const dialog = screen.getByRole('dialog', { name: 'Edit “alice”' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add option' }))
    fireEvent.change(within(dialog).getByLabelText('Option'), { target: { value: 'num_ctxx' } })
    fireEvent.change(within(dialog).getByLabelText('Value'), { target: { value: '1' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    const alert = await within(dialog).findByRole('alert')
    expect(alert.textContent).toContain('no option "num_ctxx"')
    expect(screen.getByRole('dialog', { name: 'Edit “alice”' })).toBeTruthy()
  })
})

describe('the keys list', () => {
  it('marks guest keys and where they work from; an expired guest is hidden until asked for', async () => {
    const api = new FakeApi()
    api.keyList = [
      keyView({ id: 'g1', name: 'Sam', guest: true, subnet: '192.168.1.0/24' }),
      keyView({ id: 'g2', name: 'Old guest', guest: true, active: false }),
    ]
    renderWithApi(<KeysView />, api)
    const sam = (await screen.findByText('Sam')).closest('tr')!
    expect(within(sam).getByText('guest')).toBeTruthy()
    expect(within(sam).getByText('from 192.168.1.0/24 only')).toBeTruthy()
    expect(screen.queryByText('Old guest')).toBeNull()
    fireEvent.click(screen.getByRole('checkbox', { name: /Show revoked and expired keys/ }))
    expect(screen.getByText('Old guest')).toBeTruthy()
  })

  it('summarises options, or says nothing for a key without any', () => {
    expect(optionsText({ options: {}, keepAliveMaxSeconds: null })).toBe('')
    expect(optionsText({ options: { stop: ['a', 'b'] }, keepAliveMaxSeconds: 90 })).toBe(
      'stop a,b · keep-alive ≤ 90 s',
    )
  })
})

describe('the tray’s Add a guest (#add-guest)', () => {
  it('opens the guest dialog in the Keys view', async () => {
    window.location.hash = '#add-guest'
    renderWithApi(<KeysView />, new FakeApi())
    expect(await screen.findByRole('dialog', { name: 'Add a guest' })).toBeTruthy()
    expect(window.location.hash).toBe('#keys')
  })
})
