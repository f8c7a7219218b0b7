// @vitest-environment jsdom
// Settings → HTTPS (issue 27): turning HTTPS on warns first, naming who uses Corral now (their
// http:// addresses stop working), an empty plain port is sent as none, and after Apply the
// card confirms it and shows the new https:// addresses at once.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react'
import { SettingsView } from '../../renderer/src/views/settings-view.js'
import { FakeApi, renderWithApi } from './fake-api.js'
import type { ActivityRow, TlsStatus } from '../../renderer/src/api/types.js'

afterEach(cleanup)

const FP = '97bb4cef5cedd41c56334d066dedb5df95906403e6a70491374864081ff12a08'
const HTTPS: TlsStatus = {
  mode: 'self-signed',
  scheme: 'https',
  fingerprint: FP,
  certificate: {
    fingerprint: FP,
    spki: 'x',
    subject: 'CN=studio',
    notBefore: '2026-11-01T00:00:00.000Z',
    notAfter: '2029-02-04T00:00:00.000Z',
    dnsNames: ['studio.local'],
    ipAddresses: ['192.168.1.5'],
    source: 'self-signed',
  },
  plainPort: null,
  error: null,
  warnings: [],
}

const row = (keyName: string): ActivityRow => ({
  keyId: keyName,
  keyName,
  own: false,
  devices: [{ ip: '192.168.1.20', userAgent: null }],
  models: ['llama3.2'],
  running: 1,
  queued: 0,
  startedAt: 0,
  runningMs: 1000,
  tokensPerSecond: 20,
  paused: null,
})

describe('turning HTTPS on', () => {
  it('warns who is connected, then applies with no plain port and shows the new address', async () => {
    const api = new FakeApi()
    api.activityData = { ...api.activityData, keys: [row('alice'), row('bob')] }
    renderWithApi(<SettingsView />, api)
    fireEvent.change(await screen.findByLabelText('Encryption', {}, { timeout: 5000 }), {
      target: { value: 'self-signed' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Apply HTTPS settings' }))
    const confirm = await screen.findByTestId('https-confirm', {}, { timeout: 5000 })
    expect(confirm.textContent).toContain('alice, bob')
    expect(confirm.textContent).toContain('http://')
    expect(api.callsTo('updateSettings')).toEqual([])

    // The server restarts its listener: the next status speaks HTTPS.
    api.statusData = { ...api.statusData, tls: HTTPS, urls: ['https://192.168.1.5:11435'] }
    fireEvent.click(screen.getByRole('button', { name: 'Turn on HTTPS' }))
    await waitFor(() =>
      expect(api.callsTo('updateSettings')).toEqual([
        [{ server: { tls: { mode: 'self-signed', certFile: '', keyFile: '', plainPort: null } } }],
      ]),
    )
    const applied = await screen.findByTestId('https-applied', {}, { timeout: 5000 })
    expect(applied.textContent).toContain('HTTPS is on')
    expect(applied.textContent).toContain('https://192.168.1.5:11435')
    expect(screen.queryByText(/Keys are sent unencrypted/)).toBeNull()
  })

  it('cancel changes nothing', async () => {
    const api = new FakeApi()
    renderWithApi(<SettingsView />, api)
    fireEvent.change(await screen.findByLabelText('Encryption', {}, { timeout: 5000 }), {
      target: { value: 'self-signed' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Apply HTTPS settings' }))
    expect(
      (await screen.findByTestId('https-confirm', {}, { timeout: 5000 })).textContent,
    ).toContain('Nobody is using')
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(screen.queryByTestId('https-confirm')).toBeNull()
    expect(api.callsTo('updateSettings')).toEqual([])
  })
})
