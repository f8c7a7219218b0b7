// @vitest-environment jsdom
// Issue 27's keys: one dialog edits everything a key has (models from the backends, limits,
// scopes, expiry), one "⋯" menu per row with a toast after each action (a kick that found
// nothing says so), no Edit on a key that no longer works, a taken name refused in words;
// the broken-config banner; Activity's words for streams that broke.
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { KeysView } from '../../renderer/src/views/keys-view.js'
import { ActivityView } from '../../renderer/src/views/activity-view.js'
import { Shell } from '../../renderer/src/app.js'
import { FakeApi, keyView, NOW, record, renderWithApi } from './fake-api.js'

afterEach(cleanup)

/** The toast once it says something (other live regions, like a copy button's, stay empty). */
const toast = () =>
  waitFor(() => {
    const el = document.querySelector('.toasts')
    if (!el?.textContent) throw new Error('no toast yet')
    return el
  })

async function menuOf(name: string) {
  fireEvent.click(await screen.findByRole('button', { name: `Actions for ${name}` }))
  return screen.getByRole('menu', { name: `Actions for ${name}` })
}

async function editAlice(api: FakeApi) {
  renderWithApi(<KeysView />, api)
  fireEvent.click(within(await menuOf('alice')).getByRole('menuitem', { name: 'Edit…' }))
  return screen.getByRole('dialog', { name: 'Edit “alice”' })
}

describe('the key dialog, editing', () => {
  it('changes models, limits, scopes and expiry and sends only those', async () => {
    const api = new FakeApi()
    api.keyList = [
      keyView({ models: ['qwen2.5:0.5b'], limits: { requests: 10, windowSeconds: 60 } }),
    ]
    const dialog = await editAlice(api)
    // The models the backends have, with the key's own ticked.
    const qwen = await within(dialog).findByRole('checkbox', { name: 'qwen2.5:0.5b' })
    expect((qwen as HTMLInputElement).checked).toBe(true)
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'llama3.2:latest' }))
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /May pull and delete models/ }))
    fireEvent.change(within(dialog).getByLabelText('Requests'), { target: { value: '' } })
    fireEvent.change(within(dialog).getByLabelText('Tokens a minute'), {
      target: { value: '5000' },
    })
    const expires = within(dialog).getByLabelText('Expires') as HTMLSelectElement
    expect(expires.value).toBe('keep')
    fireEvent.change(expires, { target: { value: '30d' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(api.callsTo('updateKey')).toHaveLength(1))
    expect(api.callsTo('updateKey')[0]).toEqual([
      'k1',
      {
        models: ['llama3.2:latest', 'qwen2.5:0.5b'],
        scopes: ['inference', 'models'],
        limits: {
          requests: null,
          windowSeconds: 60,
          tokensPerMinute: 5000,
          concurrency: null,
          maxOutputTokens: null,
        },
        expires: '30d',
      },
    ])
    expect((await toast()).textContent).toContain('“alice” is saved')
  })

  it('saving with nothing changed sends nothing and says so', async () => {
    const api = new FakeApi()
    const dialog = await editAlice(api)
    await within(dialog).findByRole('checkbox', { name: 'qwen2.5:0.5b' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    expect((await toast()).textContent).toContain('Nothing was changed')
    expect(api.callsTo('updateKey')).toEqual([])
  })

  it('a name another key has is refused in words, and the form is kept', async () => {
    const api = new FakeApi()
    api.failNext(
      'createKey',
      409,
      'a key named "alice" exists already (id k1); choose another name, or revoke that key first',
    )
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'New key' }))
    const dialog = screen.getByRole('dialog', { name: 'New key' })
    fireEvent.change(within(dialog).getByLabelText('Name'), { target: { value: 'alice' } })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create key' }))
    expect((await within(dialog).findByRole('alert')).textContent).toContain(
      'exists already (id k1); choose another name',
    )
    expect((within(dialog).getByLabelText('Name') as HTMLInputElement).value).toBe('alice')
  })

  it('names the models scope for what it allows, under "Permissions and limits"', async () => {
    renderWithApi(<KeysView />)
    fireEvent.click(await screen.findByRole('button', { name: 'New key' }))
    const dialog = screen.getByRole('dialog', { name: 'New key' })
    const details = within(dialog).getByText('Permissions and limits').closest('details')!
    expect(details.open).toBe(false)
    expect(within(details).getByText('May pull and delete models')).toBeTruthy()
  })
})

describe('the row menu', () => {
  it('a kick on an idle key says there was nothing to kick', async () => {
    const api = new FakeApi()
    renderWithApi(<KeysView />, api)
    fireEvent.click(within(await menuOf('alice')).getByRole('menuitem', { name: 'Kick' }))
    expect((await toast()).textContent).toBe(
      '“alice” had no running or waiting requests: nothing to kick.',
    )
    expect(api.callsTo('kickKey')).toEqual([['k1']])
  })

  it('a kick that ended requests says how many', async () => {
    const api = new FakeApi()
    api.activityData = {
      ...api.activityData,
      keys: [
        {
          keyId: 'k1',
          keyName: 'alice',
          own: false,
          devices: [],
          models: ['llama3.2'],
          running: 2,
          queued: 1,
          startedAt: NOW,
          runningMs: 1000,
          tokensPerSecond: 20,
          paused: null,
        },
      ],
    }
    renderWithApi(<KeysView />, api)
    fireEvent.click(within(await menuOf('alice')).getByRole('menuitem', { name: 'Kick' }))
    expect((await toast()).textContent).toBe(
      'Kicked “alice”: 2 running requests ended, 1 waiting request dropped.',
    )
  })

  it('an expired key offers Revoke but no Edit; a revoked key has no menu', async () => {
    const api = new FakeApi()
    api.keyList = [
      keyView({
        id: 'k1',
        name: 'old',
        expiresAt: new Date(NOW - 1000).toISOString(),
        active: false,
      }),
      keyView({
        id: 'k2',
        name: 'gone',
        revokedAt: new Date(NOW - 1000).toISOString(),
        active: false,
      }),
    ]
    renderWithApi(<KeysView />, api)
    fireEvent.click(await screen.findByRole('checkbox', { name: /Show revoked and expired/ }))
    const menu = await menuOf('old')
    expect(within(menu).queryByRole('menuitem', { name: 'Edit…' })).toBeNull()
    expect(within(menu).queryByRole('menuitem', { name: 'Kick' })).toBeNull()
    expect(within(menu).getByRole('menuitem', { name: 'Revoke…' })).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Actions for gone' })).toBeNull()
  })
})

describe('a config.json that does not load', () => {
  it('is a banner on every view, with the line, and Discard writes the running settings back', async () => {
    const api = new FakeApi()
    api.statusData = {
      ...api.statusData,
      configProblem: {
        message: 'config.json is not valid JSON (Unexpected token)',
        line: 12,
        copy: '/home/sam/.config/Corral/config.json.broken',
        since: new Date(NOW).toISOString(),
      },
    }
    renderWithApi(<Shell />, api)
    const banner = (await screen.findByText('config.json has a syntax error at line 12')).closest(
      '.banner',
    )!
    expect(banner.textContent).toContain('config.json.broken')
    fireEvent.click(within(banner as HTMLElement).getByRole('button', { name: 'Discard the edit' }))
    await waitFor(() => expect(screen.queryByText(/syntax error at line 12/)).toBeNull())
    expect(api.callsTo('discardBrokenConfig')).toHaveLength(1)
  })
})

describe('Activity', () => {
  it('says how a stream that began with 200 ended, and names the rows without a key', async () => {
    const api = new FakeApi()
    api.recentData = [
      record({ ts: NOW - 3000, status: 200, outcome: 'backend_error', path: '/api/chat' }),
      record({ ts: NOW - 2000, status: 200, outcome: 'refused', path: '/api/generate' }),
      record({
        ts: NOW - 1000,
        status: 200,
        outcome: 'client_aborted',
        path: '/v1/chat/completions',
      }),
    ]
    api.summaryData = {
      ...api.summaryData,
      breakdown: [
        {
          ...api.summaryData.totals,
          group: '',
          label: '(none)',
          lastTs: NOW,
          requests: 3,
        },
      ],
    }
    renderWithApi(<ActivityView />, api)
    const table = await screen.findByTestId('recent-requests')
    for (const word of ['broken', 'kicked', 'cancelled']) {
      expect(within(table).getByText(word)).toBeTruthy()
    }
    expect(within(table).queryByText('200')).toBeNull()
    expect(await screen.findByText('No key (refused)')).toBeTruthy()
    expect(screen.queryByText('(none)')).toBeNull()
  })
})
