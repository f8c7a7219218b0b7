// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react'
import { SettingsView } from '../../renderer/src/views/settings-view.js'
import { FakeApi, renderWithApi } from './fake-api.js'

afterEach(() => {
  cleanup()
  delete window.corral
})

const input = (label: string) => screen.getByLabelText(label) as HTMLInputElement

describe('Settings view', () => {
  it('shows the saved settings and what runs now', async () => {
    renderWithApi(<SettingsView />)
    expect(((await screen.findByLabelText('Gateway port')) as HTMLInputElement).value).toBe('11435')
    expect(input('Control window port').value).toBe('11436')
    expect((screen.getByLabelText('Listen on') as HTMLSelectElement).value).toBe('0.0.0.0')
    expect(screen.getByRole('option', { name: 'wlan0 only (192.168.1.5)' })).toBeTruthy()
    expect(input('Keep each request for (days)').value).toBe('7')
    expect(input('Longest wait (seconds)').value).toBe('300')
    expect(
      screen
        .getByRole('switch', { name: 'Announce on the network (mDNS)' })
        .getAttribute('aria-checked'),
    ).toBe('true')
    expect(screen.getByText('Now: http://192.168.1.5:11435')).toBeTruthy()
  })

  it('saves only what changed, and says a new port needs a restart', async () => {
    const api = new FakeApi()
    renderWithApi(<SettingsView />, api)
    const save = (await screen.findByRole('button', { name: 'Save changes' })) as HTMLButtonElement
    expect(save.disabled).toBe(true)
    fireEvent.change(input('Gateway port'), { target: { value: '12000' } })
    fireEvent.change(input('Keep each request for (days)'), { target: { value: '14' } })
    fireEvent.click(screen.getByRole('switch', { name: 'Announce on the network (mDNS)' }))
    fireEvent.change(input('Requests at once'), { target: { value: '3' } })
    fireEvent.change(input('Longest wait (seconds)'), { target: { value: '30' } })
    expect(screen.getByText('Unsaved changes.')).toBeTruthy()
    fireEvent.click(save)
    await waitFor(() => expect(screen.getByText('Saved.')).toBeTruthy())
    expect(api.callsTo('updateSettings')).toEqual([
      [
        {
          server: { port: 12000 },
          discovery: { mdns: false },
          stats: { retentionDays: 14 },
          limits: { defaults: { concurrency: 3 } },
          queue: { maxWaitMs: 30_000 },
        },
      ],
    ])
    expect(screen.getByText('Restart Corral to apply')).toBeTruthy()
    expect(screen.getByText(/The new gateway port takes effect/)).toBeTruthy()
  })

  it('clears a default limit when its field is emptied', async () => {
    const api = new FakeApi()
    api.settingsData.limits.defaults.requests = 100
    renderWithApi(<SettingsView />, api)
    fireEvent.change(await screen.findByLabelText('Requests'), { target: { value: '' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }))
    await waitFor(() =>
      expect(api.callsTo('updateSettings')).toEqual([
        [{ limits: { defaults: { requests: null } } }],
      ]),
    )
  })

  it('puts the server’s refusal into words', async () => {
    const api = new FakeApi()
    api.failNext('updateSettings', 400, 'body/stats/retentionDays must be >= 1')
    renderWithApi(<SettingsView />, api)
    // A value the form accepts (min 1) that the server still refuses.
    fireEvent.change(await screen.findByLabelText('Keep each request for (days)'), {
      target: { value: '3' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }))
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Retention days must be at least 1.',
    )
  })

  it('undoes unsaved changes', async () => {
    renderWithApi(<SettingsView />)
    fireEvent.change(await screen.findByLabelText('Base path'), { target: { value: '/ollama' } })
    fireEvent.click(screen.getByRole('button', { name: 'Undo changes' }))
    expect(input('Base path').value).toBe('')
  })

  it('offers another bind address in a free field', async () => {
    const api = new FakeApi()
    renderWithApi(<SettingsView />, api)
    fireEvent.change(await screen.findByLabelText('Listen on'), { target: { value: '__other' } })
    fireEvent.change(input('Address'), { target: { value: '10.8.0.1' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }))
    await waitFor(() =>
      expect(api.callsTo('updateSettings')).toEqual([[{ server: { host: '10.8.0.1' } }]]),
    )
  })

  it('lets start at login change only in the desktop app', async () => {
    renderWithApi(<SettingsView />)
    const sw = await screen.findByRole('switch', { name: 'Start Corral when I log in' })
    expect((sw as HTMLButtonElement).disabled).toBe(true)
    cleanup()

    window.corral = { controlToken: 't' }
    const api = new FakeApi()
    renderWithApi(<SettingsView />, api)
    fireEvent.click(await screen.findByRole('switch', { name: 'Start Corral when I log in' }))
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }))
    await waitFor(() =>
      expect(api.callsTo('updateSettings')).toEqual([[{ desktop: { startAtLogin: true } }]]),
    )
  })

  it('names the settings a command-line flag overrides', async () => {
    const api = new FakeApi()
    api.settingsData.overridden = ['discovery.mdns']
    renderWithApi(<SettingsView />, api)
    expect(
      await screen.findByText(
        /Set by a command-line flag or environment variable for this run: discovery\.mdns/,
      ),
    ).toBeTruthy()
  })
})
