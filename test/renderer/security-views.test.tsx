// @vitest-environment jsdom
// The UI's HTTPS and network pieces: the Share view says when sharing is paused on a new
// network (with "Share on this network") and whether keys travel encrypted; Settings sets
// HTTPS and shows the fingerprint and a certificate's error; remembered networks.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { ShareView } from '../../renderer/src/views/share-view.js'
import { SettingsView } from '../../renderer/src/views/settings-view.js'
import { FakeApi, networkState, rememberedNetwork, renderWithApi } from './fake-api.js'
import type { TlsStatus } from '../../renderer/src/api/types.js'

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
    dnsNames: ['localhost', 'studio.local'],
    ipAddresses: ['127.0.0.1', '192.168.1.5'],
    source: 'self-signed',
  },
  plainPort: null,
  error: null,
  warnings: [],
}
const REASON =
  'Sharing is paused: this is a network you have not shared on (10.8.0.0/16 via 10.8.0.1).'

function pausedApi(): FakeApi {
  const api = new FakeApi()
  api.statusData = {
    ...api.statusData,
    sharing: false,
    urls: [],
    warnings: [REASON],
    network: networkState({
      known: false,
      paused: true,
      reason: REASON,
      current: {
        iface: 'wlan0',
        family: 'IPv4',
        address: '10.8.3.7',
        subnet: '10.8.0.0/16',
        gateway: '10.8.0.1',
        gatewayMac: '',
        label: '10.8.0.0/16 via 10.8.0.1',
      },
    }),
  }
  return api
}

describe('the Share view', () => {
  it('says why sharing is paused and "Share on this network" shares here', async () => {
    const api = pausedApi()
    renderWithApi(<ShareView />, api)
    const banner = (await screen.findByText(REASON)).closest('.banner')!
    expect(banner.textContent).toContain('10.8.0.0/16 via 10.8.0.1')
    // The reason is said once, in its banner, not again in the warnings list.
    expect(screen.getAllByText(REASON)).toHaveLength(1)
    fireEvent.click(screen.getByRole('button', { name: 'Share on this network' }))
    await waitFor(() => expect(api.callsTo('shareHere')).toEqual([[]]))
    await waitFor(() => expect(screen.queryByText(REASON)).toBeNull())
  })

  it('with HTTPS on, shows the certificate fingerprint next to the address', async () => {
    const api = new FakeApi()
    api.statusData.tls = HTTPS
    renderWithApi(<ShareView />, api)
    const line = await screen.findByTestId('share-fingerprint')
    expect(line.textContent).toContain('97:BB:4C:EF')
    expect(screen.queryByTestId('share-unencrypted')).toBeNull()
  })

  it('with HTTPS off, says keys are sent unencrypted and links to the setting', async () => {
    renderWithApi(<ShareView />, new FakeApi())
    const line = await screen.findByTestId('share-unencrypted')
    expect(line.textContent).toContain('Keys are sent unencrypted')
    expect(within(line).getByRole('link', { name: 'Turn on HTTPS' }).getAttribute('href')).toBe(
      '#https',
    )
  })

  it('a certificate that cannot be used is an error on the Share view', async () => {
    const api = new FakeApi()
    const error =
      'The certificate in /etc/corral/cert.pem is unusable: it expired on 2026-01-01T00:00:00.000Z.'
    api.statusData.tls = {
      ...HTTPS,
      scheme: 'http',
      fingerprint: null,
      certificate: null,
      error,
      mode: 'files',
    }
    api.statusData.warnings = [error]
    renderWithApi(<ShareView />, api)
    expect(await screen.findByText(error)).toBeTruthy()
    expect(screen.getByText('HTTPS is not serving')).toBeTruthy()
    expect(screen.getAllByText(error)).toHaveLength(1)
  })
})

describe('Settings', () => {
  it('turns HTTPS on with a plain HTTP port and shows the fingerprint served', async () => {
    const api = new FakeApi()
    api.statusData.tls = HTTPS
    renderWithApi(<SettingsView />, api)
    const mode = await screen.findByLabelText('Encryption')
    fireEvent.change(mode, { target: { value: 'self-signed' } })
    fireEvent.change(screen.getByLabelText('Plain HTTP port (optional)'), {
      target: { value: '11437' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Apply HTTPS settings' }))
    await waitFor(() =>
      expect(api.callsTo('updateSettings')).toEqual([
        [{ server: { tls: { mode: 'self-signed', certFile: '', keyFile: '', plainPort: 11437 } } }],
      ]),
    )
    expect((await screen.findByTestId('tls-fingerprint')).textContent).toMatch(/^97:BB:4C:EF/)
    expect(screen.getByTestId('tls-certificate').textContent).toContain('studio.local')
  })

  it('shows what is wrong with the owner’s certificate files', async () => {
    const api = new FakeApi()
    const error =
      'The key file /etc/corral/key.pem is unusable: the key file does not belong to the certificate.'
    api.statusData.tls = {
      ...HTTPS,
      mode: 'files',
      scheme: 'http',
      fingerprint: null,
      certificate: null,
      error,
    }
    renderWithApi(<SettingsView />, api)
    expect(await screen.findByText(error)).toBeTruthy()
    expect(screen.getByText('The certificate cannot be used')).toBeTruthy()
  })

  it('lists remembered networks; Forget forgets one', async () => {
    const api = new FakeApi()
    api.statusData.network = networkState({
      remembered: [
        rememberedNetwork('192.168.1.0/24', '192.168.1.1'),
        rememberedNetwork('10.8.0.0/16', '10.8.0.1'),
      ],
    })
    renderWithApi(<SettingsView />, api)
    const list = await screen.findByRole('list', { name: 'Remembered networks' })
    expect(within(list).getAllByRole('listitem')).toHaveLength(2)
    expect(screen.getByTestId('current-network').textContent).toBe(
      'This computer is on 192.168.1.0/24 via 192.168.1.1 (remembered).',
    )
    fireEvent.click(within(list).getAllByRole('button', { name: 'Forget' })[1]!)
    await waitFor(() => expect(api.callsTo('forgetNetwork')).toEqual([['10.8.0.0/16@10.8.0.1']]))
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(1))
  })
})
