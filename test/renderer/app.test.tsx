// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { App } from '../../renderer/src/app.js'
import { FakeApi } from './fake-api.js'

beforeEach(() => history.replaceState(null, '', '/'))
afterEach(() => {
  cleanup()
  delete window.corral
})

describe('the window', () => {
  it('has a labelled navigation that switches views by the URL fragment', async () => {
    render(<App api={new FakeApi()} />)
    const nav = screen.getByRole('navigation', { name: 'Sections' })
    const links = within(nav).getAllByRole('link')
    expect(links.map((l) => l.textContent)).toEqual([
      'Share',
      'Keys',
      'Access',
      'Backends',
      'Activity',
      'Settings',
    ])
    expect(within(nav).getByRole('link', { name: 'Share' }).getAttribute('aria-current')).toBe(
      'page',
    )
    await screen.findByRole('heading', { name: 'Share', level: 1 })

    act(() => {
      window.location.hash = '#keys'
    })
    await screen.findByRole('heading', { name: 'Keys', level: 1 })
    expect(within(nav).getByRole('link', { name: 'Keys' }).getAttribute('aria-current')).toBe(
      'page',
    )
    expect(document.title).toBe('Keys · Corral')
  })

  it('shows how to get back in when the token is refused, instead of errors everywhere', async () => {
    const api = new FakeApi()
    api.failNext('status', 401, 'missing or wrong control token')
    render(<App api={api} />)
    expect(await screen.findByText(/lost its access to Corral/)).toBeTruthy()
    expect(screen.queryByRole('navigation')).toBeNull()
  })

  it('tells whether sharing is on in the sidebar', async () => {
    render(<App api={new FakeApi()} />)
    expect(await screen.findByText('Sharing on')).toBeTruthy()
  })

  it('opens "Add a device" when the desktop tray asks for it', async () => {
    let navigate: ((route: string) => void) | null = null
    window.corral = {
      controlToken: 't',
      onNavigate: (fn) => {
        navigate = fn
        return () => {
          navigate = null
        }
      },
    }
    render(<App api={new FakeApi()} />)
    await screen.findByRole('heading', { name: 'Share', level: 1 })
    act(() => navigate?.('add-device'))
    expect(await screen.findByRole('dialog', { name: 'Add a device' })).toBeTruthy()
    expect(window.location.hash).toBe('#share')
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' })
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
  })

  it('opens the Keys view when the tray or a notification says a device asks to use the GPU', async () => {
    let navigate: ((route: string) => void) | null = null
    window.location.hash = '#share'
    window.corral = {
      controlToken: 't',
      onNavigate: (fn) => {
        navigate = fn
        return () => {
          navigate = null
        }
      },
    }
    render(<App api={new FakeApi()} />)
    await screen.findByRole('heading', { name: 'Share', level: 1 })
    act(() => navigate?.('keys'))
    expect(await screen.findByRole('heading', { name: 'Keys', level: 1 })).toBeTruthy()
    expect(window.location.hash).toBe('#keys')
  })
})
