// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { KeysView, limitsText } from '../../renderer/src/views/keys-view.js'
import { FakeApi, keyView, NOW, renderWithApi } from './fake-api.js'

afterEach(cleanup)

describe('Keys view', () => {
  it('lists each key with its last use, usage today and limits', async () => {
    const api = new FakeApi()
    api.keyList = [
      keyView(),
      keyView({
        id: 'k2',
        name: 'ci runner',
        prefix: 'crl_ZzZz',
        scopes: ['inference', 'models'],
        models: ['qwen2.5:*'],
        limits: { requests: 100, windowSeconds: 3600, concurrency: 2 },
        lastUsedAt: null,
        usageToday: { requests: 0, tokens: 0 },
      }),
    ]
    renderWithApi(<KeysView />, api)
    const alice = (await screen.findByText('alice')).closest('tr')!
    expect(within(alice).getByText('5 min ago')).toBeTruthy()
    expect(within(alice).getByText('42 req')).toBeTruthy()
    expect(within(alice).getByText('12.3k tokens')).toBeTruthy()
    expect(within(alice).getByText('Defaults')).toBeTruthy()
    const ci = screen.getByText('ci runner').closest('tr')!
    expect(within(ci).getByText('never')).toBeTruthy()
    expect(within(ci).getByText('100/h · 2 at once')).toBeTruthy()
    expect(within(ci).getByText('qwen2.5:*')).toBeTruthy()
    expect(within(ci).getByText('models')).toBeTruthy()
  })

  it('creates a key with the chosen scopes, models, limits and expiry, then shows it once', async () => {
    const api = new FakeApi()
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'New key' }))
    const dialog = screen.getByRole('dialog', { name: 'New key' })
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'laptop' } })
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /May pull and delete models/ }))
    // The models the backends have, to tick; other names and patterns typed.
    fireEvent.click(await within(dialog).findByRole('checkbox', { name: 'llama3.2:latest' }))
    fireEvent.change(within(dialog).getByLabelText('Other names or patterns'), {
      target: { value: 'qwen2.5:*' },
    })
    fireEvent.change(within(dialog).getByLabelText('Requests'), { target: { value: '30' } })
    fireEvent.change(within(dialog).getByLabelText('Per'), { target: { value: '3600' } })
    fireEvent.change(within(dialog).getByLabelText('At once'), { target: { value: '2' } })
    fireEvent.change(within(dialog).getByLabelText('Expires'), { target: { value: '7d' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create key' }))

    const ready = await screen.findByRole('dialog', { name: 'Key “laptop” is ready' })
    expect(api.callsTo('createKey')[0]?.[0]).toEqual({
      name: 'laptop',
      scopes: ['inference', 'models'],
      models: ['llama3.2:latest', 'qwen2.5:*'],
      limits: { requests: 30, windowSeconds: 3600, concurrency: 2 },
      expires: '7d',
    })
    expect(within(ready).getByTestId('new-key').textContent).toMatch(/^crl_/)
    expect(await within(ready).findByRole('img', { name: /QR code/ })).toBeTruthy()
    fireEvent.click(within(ready).getByRole('button', { name: 'Done' }))
    // Listed now, without the secret.
    await waitFor(() => expect(screen.getByText('laptop')).toBeTruthy())
    expect(screen.queryByText(/^crl_x+$/)).toBeNull()
  })

  it('shows the server’s refusal in words and keeps the form', async () => {
    const api = new FakeApi()
    api.failNext('createKey', 400, 'body/name must NOT have more than 100 characters')
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'New key' }))
    const dialog = screen.getByRole('dialog', { name: 'New key' })
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'x' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create key' }))
    const alert = await within(dialog).findByRole('alert')
    expect(alert.textContent).toContain('Name can have at most 100 characters.')
    expect((within(dialog).getByLabelText('Name') as HTMLInputElement).value).toBe('x')
  })

  it('does not create a key without a name', async () => {
    renderWithApi(<KeysView />)
    fireEvent.click(await screen.findByRole('button', { name: 'New key' }))
    const create = within(screen.getByRole('dialog')).getByRole('button', { name: 'Create key' })
    expect((create as HTMLButtonElement).disabled).toBe(true)
  })

  it('revokes a key after asking, and hides it from the active list', async () => {
    const api = new FakeApi()
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Actions for alice' }))
    fireEvent.click(screen.getByRole('menuitem', { name: 'Revoke…' }))
    const confirm = screen.getByRole('dialog', { name: 'Revoke “alice”?' })
    expect(confirm.textContent).toContain('requests it is running now are ended')
    fireEvent.click(within(confirm).getByRole('button', { name: 'Revoke key' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(api.callsTo('revokeKey')).toEqual([['k1']])
    expect(screen.getByText('No active keys')).toBeTruthy()
    fireEvent.click(screen.getByRole('checkbox', { name: /Show revoked and expired keys \(1\)/ }))
    const row = screen.getByText('alice').closest('tr')!
    expect(within(row).getByText('Revoked')).toBeTruthy()
    expect(within(row).queryByRole('button', { name: 'Actions for alice' })).toBeNull()
    expect(screen.getByRole('status').textContent).toContain('“alice” is revoked')
  })

  it('Escape closes the dialog and gives focus back to the button that opened it', async () => {
    renderWithApi(<KeysView />)
    const open = await screen.findByRole('button', { name: 'New key' })
    open.focus()
    fireEvent.click(open)
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' })
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(document.activeElement).toBe(open)
  })

  it('marks expired keys', async () => {
    const api = new FakeApi()
    api.keyList = [keyView({ expiresAt: new Date(NOW - 1000).toISOString(), active: false })]
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('checkbox', { name: /Show revoked and expired/ }))
    expect(within(screen.getByText('alice').closest('tr')!).getByText('Expired')).toBeTruthy()
  })
})

describe('limitsText', () => {
  it.each([
    [{}, 'Defaults'],
    [{ requests: null, windowSeconds: 60, concurrency: null }, 'Defaults'],
    [{ requests: 60, windowSeconds: 60 }, '60/min'],
    [{ requests: 5, windowSeconds: 30, tokensPerMinute: 20_000 }, '5/30 s · 20k tokens/min'],
    [{ maxOutputTokens: 512 }, 'answers ≤ 512 tokens'],
  ])('%j reads as %s', (limits, text) => {
    expect(limitsText(limits)).toBe(text)
  })
})
