// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { ActivityView } from '../../renderer/src/views/activity-view.js'
import { FakeApi, liveSnapshot, NOW, record, renderWithApi } from './fake-api.js'

afterEach(cleanup)

describe('Activity view', () => {
  it('draws the live numbers from the feed in fixed-size charts', async () => {
    const api = new FakeApi()
    renderWithApi(<ActivityView />, api)
    const live = await screen.findByRole('region', { name: 'Live' })
    const sparks = within(live).getAllByRole('img')
    expect(sparks).toHaveLength(4)
    const sizes = sparks.map((s) => [s.getAttribute('width'), s.getAttribute('height')])

    act(() => {
      api.emit({
        type: 'tick',
        snapshot: liveSnapshot({ rps: 2, tps: 85.5, inFlight: 3, queueDepth: 1 }),
      })
      api.emit({
        type: 'tick',
        snapshot: liveSnapshot({ rps: 4.2, tps: 120, inFlight: 2, queueDepth: 0 }),
      })
    })
    expect(within(live).getByText('4.2')).toBeTruthy()
    expect(within(live).getByText('120')).toBeTruthy()
    expect(within(live).getByText('2')).toBeTruthy()
    // Same boxes: new data redraws the lines, not the layout.
    expect(
      within(live)
        .getAllByRole('img')
        .map((s) => [s.getAttribute('width'), s.getAttribute('height')]),
    ).toEqual(sizes)
    const path = sparks[0]!.querySelector('.spark-line')!.getAttribute('d')!
    expect(path.split('L')).toHaveLength(60)
  })

  it('adds a request to the recent table as soon as the feed reports it', async () => {
    const api = new FakeApi()
    api.recentData = [{ ...record({ ts: NOW - 60_000, path: '/api/tags', model: null }), id: 1 }]
    renderWithApi(<ActivityView />, api)
    const table = await screen.findByTestId('recent-requests')
    expect(within(table).getAllByRole('row')).toHaveLength(2)

    act(() =>
      api.emit({
        type: 'request',
        record: record({
          ts: NOW,
          path: '/v1/chat/completions',
          keyName: 'bob',
          status: 429,
          outcome: 'limited',
        }),
      }),
    )
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3))
    const rows = within(table).getAllByRole('row')
    expect(rows[1]!.textContent).toContain('bob')
    expect(rows[1]!.textContent).toContain('/v1/chat/completions')
    expect(within(rows[1]!).getByText('429').className).toContain('status-warn')
  })

  it('shows history totals and a breakdown that can switch between keys, models and backends', async () => {
    const api = new FakeApi()
    api.summaryData = {
      ...api.summaryData,
      totals: {
        ...api.summaryData.totals,
        requests: 1500,
        errors: 3,
        promptTokens: 10_000,
        completionTokens: 2500,
        p50DurationMs: 640,
        p95DurationMs: 2100,
      },
      breakdown: [
        {
          group: 'k1',
          label: 'alice',
          lastTs: NOW,
          requests: 1000,
          errors: 1,
          promptTokens: 8000,
          completionTokens: 2000,
          avgDurationMs: 700,
          avgTtfbMs: 100,
          avgTokensPerSecond: 40,
          queued: 0,
          avgQueueMs: null,
          p50DurationMs: 600,
        },
        {
          group: 'k2',
          label: 'bob',
          lastTs: NOW,
          requests: 500,
          errors: 2,
          promptTokens: 2000,
          completionTokens: 500,
          avgDurationMs: 400,
          avgTtfbMs: 90,
          avgTokensPerSecond: 30,
          queued: 0,
          avgQueueMs: null,
        },
      ],
    }
    api.seriesData = {
      range: { since: NOW - 3_600_000, until: NOW },
      bucketMs: 60_000,
      points: [
        {
          ts: NOW - 120_000,
          requests: 7,
          errors: 1,
          promptTokens: 40,
          completionTokens: 60,
          avgDurationMs: 300,
        },
      ],
    }
    renderWithApi(<ActivityView />, api)
    const history = await screen.findByRole('region', { name: 'History' })
    await waitFor(() => expect(within(history).getByText('1.5k')).toBeTruthy())
    expect(within(history).getByText('12.5k')).toBeTruthy()
    expect(within(history).getByText('640 ms')).toBeTruthy()
    expect(within(history).getByText('2.1 s')).toBeTruthy()
    expect(
      within(history).getByRole('img', { name: 'Requests, last hour: 7 in total' }),
    ).toBeTruthy()
    const alice = within(history).getByText('alice').closest('tr')!
    expect(within(alice).getByText('10k')).toBeTruthy()
    expect(within(alice).getByRole('img', { name: '100% of the busiest' })).toBeTruthy()

    fireEvent.click(within(history).getByRole('radio', { name: 'Models' }))
    await waitFor(() => expect(api.callsTo('summary').at(-1)).toEqual(['1h', 'model']))
    fireEvent.click(within(history).getByRole('radio', { name: '7 days' }))
    await waitFor(() => expect(api.callsTo('series').at(-1)).toEqual(['7d', 21_600_000]))
  })

  it('shows a burst of requests together, newest first', async () => {
    const api = new FakeApi()
    renderWithApi(<ActivityView />, api)
    const table = await screen.findByText('No requests yet')
    act(() => {
      for (let i = 1; i <= 30; i++)
        api.emit({ type: 'request', record: record({ ts: NOW + i, path: `/api/r${i}` }) })
    })
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(31))
    expect(screen.getAllByRole('row')[1]!.textContent).toContain('/api/r30')
    expect(table.isConnected).toBe(false)
  })

  it('says so when there is nothing yet', async () => {
    renderWithApi(<ActivityView />)
    expect(await screen.findByText('No requests yet')).toBeTruthy()
    expect(screen.getByText('No requests in this range.')).toBeTruthy()
  })
})
