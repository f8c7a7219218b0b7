// @vitest-environment jsdom
// The "Who is using your GPU" table: rows come from the live feed's activity events;
// Kick, Pause and "Pause everyone but me" call the control API and show the result.
import { afterEach, describe, expect, it } from 'vitest'
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { ShareView } from '../../renderer/src/views/share-view.js'
import { KeysView } from '../../renderer/src/views/keys-view.js'
import type { Activity, ActivityRow } from '../../renderer/src/api/types.js'
import { FakeApi, NOW, renderWithApi } from './fake-api.js'

afterEach(cleanup)

const row = (over: Partial<ActivityRow> = {}): ActivityRow => ({
  keyId: 'k1',
  keyName: 'alice',
  own: false,
  devices: [{ ip: '192.168.1.23', userAgent: 'OpenAI/JS 4.104.0' }],
  models: ['llama3.2'],
  running: 1,
  queued: 2,
  startedAt: NOW - 95_000,
  runningMs: 95_000,
  tokensPerSecond: 24.5,
  paused: null,
  ...over,
})

const activity = (keys: ActivityRow[], over: Partial<Activity> = {}): Activity => ({
  ts: NOW + 1,
  keys,
  paused: [],
  everyone: null,
  ownKeys: [],
  ...over,
})

describe('who is using the GPU', () => {
  it('shows each busy key from the feed: device, model, running time, tokens/s and how many wait', async () => {
    const api = new FakeApi()
    renderWithApi(<ShareView />, api)
    await screen.findByText('Nobody is using it right now.')
    act(() => api.emit({ type: 'activity', activity: activity([row()]) }))
    const table = await screen.findByRole('table', { name: 'Requests in flight, by key' })
    const cells = within(table).getAllByRole('row')[1]!.querySelectorAll('td')
    expect([...cells].slice(0, 6).map((c) => c.textContent)).toEqual([
      'alice1 running',
      '192.168.1.23OpenAI/JS 4.104.0',
      'llama3.2',
      '1 min 35 s',
      '25',
      '2',
    ])
  })

  it('Kick calls the API and the row goes at once', async () => {
    const api = new FakeApi()
    api.activityData = activity([row()])
    renderWithApi(<ShareView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Kick alice' }))
    await screen.findByText('Nobody is using it right now.')
    expect(api.callsTo('kickKey')).toEqual([['k1']])
  })

  it('Pause asks for how long and whether to wait, then sends it', async () => {
    const api = new FakeApi()
    api.activityData = activity([row()])
    renderWithApi(<ShareView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Pause alice' }))
    const dialog = await screen.findByRole('dialog', { name: 'Pause “alice”?' })
    fireEvent.click(within(dialog).getByRole('radio', { name: '1 hour' }))
    fireEvent.click(within(dialog).getByRole('checkbox'))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Pause' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(api.callsTo('pauseKey')).toEqual([['k1', { for: '1h', queue: true }]])
  })

  it('"Pause everyone but me" shows the banner until "Resume everyone"', async () => {
    const api = new FakeApi()
    renderWithApi(<ShareView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Pause everyone but me' }))
    const dialog = await screen.findByRole('dialog', { name: 'Pause everyone but you?' })
    expect(within(dialog).queryByRole('checkbox')).toBeNull() // refusing only
    fireEvent.click(within(dialog).getByRole('radio', { name: 'Until I resume' }))
    fireEvent.click(within(dialog).getByRole('button', { name: 'Pause' }))
    await screen.findByText(/Everyone but you is paused until you resume/)
    expect(api.callsTo('pauseAll')).toEqual([[null]])
    fireEvent.click(screen.getByRole('button', { name: 'Resume everyone' }))
    await screen.findByRole('button', { name: 'Pause everyone but me' })
    expect(api.callsTo('resumeAll')).toHaveLength(1)
  })

  it('in Keys, the row menu marks a key as the owner’s and Pause/Resume follow the key’s pause', async () => {
    const api = new FakeApi()
    renderWithApi(<KeysView />, api)
    const menu = () => fireEvent.click(screen.getByRole('button', { name: 'Actions for alice' }))
    await screen.findByRole('button', { name: 'Actions for alice' })
    menu()
    const mine = screen.getByRole('menuitemcheckbox', { name: 'This is my key' })
    expect(mine.getAttribute('aria-checked')).toBe('false')
    fireEvent.click(mine)
    await waitFor(() => expect(api.callsTo('setOwnKey')).toEqual([['k1', true]]))
    expect((await screen.findByRole('status')).textContent).toContain('“alice” is yours')
    menu()
    await waitFor(() =>
      expect(
        screen
          .getByRole('menuitemcheckbox', { name: 'This is my key' })
          .getAttribute('aria-checked'),
      ).toBe('true'),
    )

    fireEvent.click(screen.getByRole('menuitem', { name: 'Pause…' }))
    const dialog = await screen.findByRole('dialog', { name: 'Pause “alice”?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Pause' }))
    await screen.findByText(/^paused until/)
    menu()
    fireEvent.click(screen.getByRole('menuitem', { name: 'Resume' }))
    await waitFor(() => expect(api.callsTo('resumeKey')).toEqual([['k1']]))
    menu()
    expect(await screen.findByRole('menuitem', { name: 'Pause…' })).toBeTruthy()
  })
})
