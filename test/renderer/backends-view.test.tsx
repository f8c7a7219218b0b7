// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react'
import { BackendsView } from '../../renderer/src/views/backends-view.js'
import type { Candidate } from '../../renderer/src/api/types.js'
import { backend, FakeApi, NOW, renderWithApi } from './fake-api.js'

afterEach(cleanup)

function candidate(over: Partial<Candidate> = {}): Candidate {
  return {
    name: 'Corral on studio',
    host: 'studio.local',
    addresses: ['192.168.1.30'],
    port: 11435,
    url: 'http://192.168.1.30:11435',
    needsKey: true,
    app: 'corral',
    version: '0.1.0',
    apis: ['ollama', 'openai'],
    lastSeen: NOW,
    nameClash: null,
    ...over,
  }
}

describe('Backends view', () => {
  it('shows each backend’s health, latency, load and models (loaded ones marked)', async () => {
    const api = new FakeApi()
    api.backendsData.backends = [
      backend({ inFlight: 1 }),
      backend({
        id: 'gpu',
        name: 'GPU box',
        url: 'http://10.0.0.5:11434',
        state: 'down',
        lastError: 'connect ECONNREFUSED 10.0.0.5:11434',
        models: [],
      }),
    ]
    renderWithApi(<BackendsView />, api)
    const local = await screen.findByRole('listitem', { name: 'This computer' })
    expect(within(local).getByText('Healthy')).toBeTruthy()
    expect(within(local).getByText('12 ms')).toBeTruthy()
    expect(within(local).getByText('1/4')).toBeTruthy()
    const models = within(local).getByRole('list', { name: 'Models on This computer' })
    expect(within(models).getByText('(loaded)').closest('li')?.textContent).toContain(
      'llama3.2:latest',
    )
    const gpu = screen.getByRole('listitem', { name: 'GPU box' })
    expect(within(gpu).getByText('Not answering')).toBeTruthy()
    expect(within(gpu).getByText(/connect ECONNREFUSED 10\.0\.0\.5:11434/)).toBeTruthy()
  })

  it('adds a service found on the LAN with one click', async () => {
    const api = new FakeApi()
    api.backendsData.candidates = [candidate()]
    renderWithApi(<BackendsView />, api)
    const row = (await screen.findByText('Corral on studio')).closest('li')!
    expect(within(row).getByText('needs a key')).toBeTruthy()
    fireEvent.click(within(row).getByRole('button', { name: 'Add Corral on studio' }))
    await waitFor(() =>
      expect(api.callsTo('addBackend')).toEqual([[{ candidate: 'Corral on studio' }]]),
    )
    expect(await screen.findByRole('listitem', { name: 'Corral on studio' })).toBeTruthy()
  })

  it('does not offer a candidate that is already a backend', async () => {
    const api = new FakeApi()
    api.backendsData.candidates = [
      candidate({ name: 'studio ollama', url: 'http://127.0.0.1:11434', app: null }),
    ]
    renderWithApi(<BackendsView />, api)
    expect(await screen.findByText(/Nothing new found/)).toBeTruthy()
  })

  it('adds a backend by address and explains a bad one', async () => {
    const api = new FakeApi()
    api.failNext('addBackend', 400, '"ftp://x" : only http and https backends are supported')
    renderWithApi(<BackendsView />, api)
    const address = await screen.findByLabelText('Address')
    fireEvent.change(address, { target: { value: 'ftp://x' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add backend' }))
    expect((await screen.findByRole('alert')).textContent).toContain(
      'only http and https backends are supported',
    )
    fireEvent.change(address, { target: { value: '10.0.0.9' } })
    fireEvent.change(screen.getByLabelText('Name (optional)'), { target: { value: 'Lab' } })
    fireEvent.click(screen.getByRole('button', { name: 'Add backend' }))
    await waitFor(() =>
      expect(api.callsTo('addBackend')[1]).toEqual([{ url: '10.0.0.9', name: 'Lab' }]),
    )
  })

  it('turns a backend off and on with its switch', async () => {
    const api = new FakeApi()
    renderWithApi(<BackendsView />, api)
    const toggle = await screen.findByRole('switch', { name: 'Send requests to This computer' })
    fireEvent.click(toggle)
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('false'))
    expect(api.callsTo('updateBackend')).toEqual([['local', { enabled: false }]])
    expect(screen.getByText('Turned off')).toBeTruthy()
  })

  it('shows the capacity it learned when a backend said it was busy, and who waits', async () => {
    const api = new FakeApi()
    api.backendsData.backends = [
      backend({ inFlight: 2, effectiveCapacity: 2, capacity: 4, queued: 3, full: true }),
    ]
    renderWithApi(<BackendsView />, api)
    const card = await screen.findByRole('listitem', { name: 'This computer' })
    expect(within(card).getByText('2/2')).toBeTruthy()
    expect(within(card).getByText(/server busy”: 2 at once for now \(setting: 4\)/)).toBeTruthy()
    expect(within(card).getByText('Waiting').nextElementSibling?.textContent).toBe('3')
  })

  it('shows a backend set by serve --backend read-only: no switch, no remove', async () => {
    const api = new FakeApi()
    api.backendsData.backends = [
      backend({ id: 'flag-1', name: '10.0.0.7:11434', source: 'manual', readOnly: true }),
    ]
    renderWithApi(<BackendsView />, api)
    const card = await screen.findByRole('listitem', { name: '10.0.0.7:11434' })
    expect(within(card).getByText(/read-only/)).toBeTruthy()
    expect(within(card).queryByRole('switch')).toBeNull()
    expect(within(card).queryByRole('button', { name: /Remove/ })).toBeNull()
  })

  it('removes a backend after asking', async () => {
    const api = new FakeApi()
    renderWithApi(<BackendsView />, api)
    fireEvent.click(await screen.findByRole('button', { name: 'Remove This computer' }))
    fireEvent.click(
      within(screen.getByRole('dialog')).getByRole('button', { name: 'Remove backend' }),
    )
    await waitFor(() => expect(screen.getByText('No backends')).toBeTruthy())
    expect(api.callsTo('removeBackend')).toEqual([['local']])
  })

  it('pulls a model and follows its progress until it is done', async () => {
    const api = new FakeApi()
    renderWithApi(<BackendsView />, api)
    fireEvent.change(await screen.findByLabelText('Model'), { target: { value: 'qwen2.5:0.5b' } })
    fireEvent.change(screen.getByLabelText('On'), { target: { value: 'local' } })
    fireEvent.click(screen.getByRole('button', { name: 'Pull' }))
    const bar = await screen.findByRole('progressbar', { name: 'Pulling qwen2.5:0.5b' })
    expect(api.callsTo('pull')).toEqual([['qwen2.5:0.5b', 'local']])
    expect(bar.getAttribute('aria-valuenow')).toBeNull() // size not known yet

    api.pullList = [
      {
        ...api.pullList[0]!,
        status: 'pulling 74701a8c35f6',
        completed: 150_000_000,
        total: 400_000_000,
      },
    ]
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('38'), { timeout: 3000 })
    expect(screen.getByText('150 MB of 400 MB')).toBeTruthy()

    api.pullList = [{ ...api.pullList[0]!, status: 'success', completed: 400_000_000, done: true }]
    await waitFor(() => expect(screen.getByText('Done')).toBeTruthy(), { timeout: 3000 })
    expect(bar.getAttribute('aria-valuenow')).toBe('100')
  })

  it('copies a model to the other backends that lack it, and shows each pull', async () => {
    const api = new FakeApi()
    api.backendsData.backends = [
      backend({ models: ['llama3.2:latest', 'qwen2.5:0.5b'] }),
      backend({ id: 'gpu', name: 'GPU box', source: 'manual', models: ['llama3.2:latest'] }),
      backend({ id: 'lab', name: 'Lab', source: 'manual', models: [] }),
      backend({ id: 'off', name: 'Down one', source: 'manual', state: 'down', models: [] }),
    ]
    renderWithApi(<BackendsView />, api)
    const local = await screen.findByRole('listitem', { name: 'This computer' })
    // llama3.2 is missing only on Lab (and the one that is down); qwen2.5 on GPU box and Lab.
    const copyQwen = within(local).getByRole('button', {
      name: 'Copy qwen2.5:0.5b to the other backends',
    })
    expect(copyQwen.getAttribute('title')).toBe('Pull qwen2.5:0.5b on GPU box, Lab')
    fireEvent.click(copyQwen)
    await waitFor(() =>
      expect(api.callsTo('pull')).toEqual([
        ['qwen2.5:0.5b', 'gpu'],
        ['qwen2.5:0.5b', 'lab'],
      ]),
    )
    expect(
      await screen.findAllByRole('progressbar', { name: 'Pulling qwen2.5:0.5b' }),
    ).toHaveLength(2)
    // GPU box offers its llama3.2 to Lab; This computer has both models everywhere it is
    // missing... except Lab, so it offers llama3.2 too.
    const gpu = screen.getByRole('listitem', { name: 'GPU box' })
    expect(
      within(gpu).getByRole('button', { name: 'Copy llama3.2:latest to the other backends' }),
    ).toBeTruthy()
  })

  it('shows why a pull failed', async () => {
    const api = new FakeApi()
    api.pullList = [
      {
        id: 'p1',
        model: 'nope',
        backendId: 'local',
        backend: 'This computer',
        status: 'error',
        completed: 0,
        total: 0,
        error: 'pull model manifest: file does not exist',
        done: true,
        startedAt: NOW - 5000,
        finishedAt: NOW - 4000,
      },
    ]
    renderWithApi(<BackendsView />, api)
    expect(await screen.findByText('Failed')).toBeTruthy()
    expect(screen.getByText('pull model manifest: file does not exist')).toBeTruthy()
    expect(screen.getByText('on This computer')).toBeTruthy()
  })
})
