// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { AccessView } from '../../renderer/src/views/access-view.js'
import { FakeApi, renderWithApi } from './fake-api.js'

afterEach(cleanup)

describe('Access view', () => {
  it('shows the three presets and marks the one in use', async () => {
    renderWithApi(<AccessView />)
    const lan = (await screen.findByText('LAN only')).closest('.preset') as HTMLElement
    expect(within(lan).getByText('In use')).toBeTruthy()
    expect(
      (within(lan).getByRole('button', { name: 'Use LAN only' }) as HTMLButtonElement).disabled,
    ).toBe(true)
    expect(screen.getByRole('button', { name: 'Use This subnet' })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Use This machine' })).toBeTruthy()
  })

  it('replaces the allow list with a preset after showing what it will be', async () => {
    const api = new FakeApi()
    renderWithApi(<AccessView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Use This subnet' }))
    const confirm = screen.getByRole('dialog', { name: 'Use “This subnet”?' })
    expect(within(confirm).getByText('192.168.1.0/24')).toBeTruthy()
    fireEvent.click(within(confirm).getByRole('button', { name: 'Use This subnet' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(api.callsTo('replaceAccess')).toEqual([
      ['allow', ['127.0.0.0/8', '::1/128', '192.168.1.0/24']],
    ])
    const allowed = screen.getByRole('list', { name: 'Allowed addresses' })
    expect(
      within(allowed)
        .getAllByRole('listitem')
        .map((li) => li.textContent?.replace('×', '')),
    ).toEqual(['127.0.0.0/8', '::1/128', '192.168.1.0/24'])
  })

  it('adds an address to the allow list', async () => {
    const api = new FakeApi()
    renderWithApi(<AccessView />, api)
    const input = await screen.findByLabelText('Add to allowed')
    fireEvent.change(input, { target: { value: ' 100.100.1.7 ' } })
    fireEvent.click(within(input.closest('form')!).getByRole('button', { name: 'Add' }))
    await waitFor(() => expect(api.callsTo('addAccess')).toEqual([['allow', '100.100.1.7']]))
    expect(await screen.findByText('100.100.1.7')).toBeTruthy()
    expect((input as HTMLInputElement).value).toBe('')
  })

  it('explains a refused entry and keeps what was typed', async () => {
    const api = new FakeApi()
    api.failNext('addAccess', 400, '"10.0.0.0/33" is not an IP address or CIDR range')
    renderWithApi(<AccessView />, api)
    const input = await screen.findByLabelText('Add to refused')
    fireEvent.change(input, { target: { value: '10.0.0.0/33' } })
    fireEvent.submit(input.closest('form')!)
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('"10.0.0.0/33" is not an IP address or CIDR range.')
    expect((input as HTMLInputElement).value).toBe('10.0.0.0/33')
  })

  it('removes an entry with its own labelled button', async () => {
    const api = new FakeApi()
    renderWithApi(<AccessView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Remove 10.0.0.0/8 from allowed' }))
    await waitFor(() => expect(screen.queryByText('10.0.0.0/8')).toBeNull())
    expect(api.callsTo('removeAccess')).toEqual([['allow', '10.0.0.0/8']])
  })

  it('keeps trusted proxies under an advanced section', async () => {
    renderWithApi(<AccessView />)
    const summary = await screen.findByText('Advanced: trusted proxies')
    expect(summary.closest('details')?.open).toBe(false)
    expect(screen.getByText('None: X-Forwarded-For is ignored.')).toBeTruthy()
  })
})
