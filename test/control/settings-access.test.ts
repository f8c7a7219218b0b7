// Settings, access lists and presets through the control API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { recordingDiscovery } from './helpers.js'

let gw: TestGateway
const discovery = recordingDiscovery()
beforeAll(async () => {
  gw = await startTestGateway({ start: { discovery } })
})
afterAll(() => gw?.close())

describe('settings', () => {
  it('changes only the fields sent and says which need a restart', async () => {
    const before = (
      await gw.control<{ server: { host: string; controlPort: number } }>(
        'GET',
        '/control/settings',
      )
    ).body
    const { status, body } = await gw.control<{
      server: { host: string; port: number; controlPort: number }
      stats: { retentionDays: number; rollupRetentionDays: number }
      restartRequired: string[]
    }>('PATCH', '/control/settings', {
      server: { port: 12_345 },
      stats: { retentionDays: 3 },
      bogus: 1,
    })
    expect(status).toBe(200)
    expect(body.server).toMatchObject({
      host: before.server.host,
      port: 12_345,
      controlPort: before.server.controlPort,
    })
    expect(body.stats).toMatchObject({ retentionDays: 3, rollupRetentionDays: 90 })
    expect(body.restartRequired).toEqual(['server.port'])
    expect(gw.running.corral.store.current.server.port).toBe(12_345)
  })

  /** Pins: the validator's `useDefaults` reset every field a patch left out to its default. */
  it('leaves a saved value alone when a patch of its section does not name it', async () => {
    await gw.control('PATCH', '/control/settings', { server: { host: '127.0.0.1' } })
    const { body } = await gw.control<{ server: { host: string } }>('PATCH', '/control/settings', {
      server: { basePath: '/ollama' },
    })
    expect(body.server.host).toBe('127.0.0.1')
    await gw.control('PATCH', '/control/settings', { server: { host: '0.0.0.0', basePath: '' } })
  })

  it('refuses a bind address that is not an address, in words', async () => {
    const { status, body } = await gw.control('PATCH', '/control/settings', {
      server: { host: 'my laptop' },
    })
    expect(status).toBe(400)
    expect(body).toEqual({
      error: expect.stringContaining('"my laptop" is not an address to listen on'),
    })
  })

  it('refuses the same port for the gateway and the control window', async () => {
    const { status, body } = await gw.control('PATCH', '/control/settings', {
      server: { port: 15000, controlPort: 15000 },
    })
    expect(status).toBe(400)
    expect(body).toEqual({ error: 'the gateway and the control window cannot both use port 15000' })
  })

  it('refuses out-of-range values with the field named', async () => {
    const { status, body } = await gw.control('PATCH', '/control/settings', {
      stats: { retentionDays: 0 },
    })
    expect(status).toBe(400)
    expect(body).toEqual({ error: 'body/stats/retentionDays must be >= 1' })
  })

  it('turns mDNS on and off at once', async () => {
    discovery.calls.length = 0
    await gw.control('PATCH', '/control/settings', { discovery: { mdns: true, name: 'lab box' } })
    expect(discovery.calls).toEqual([`advertise lab box ${gw.running.gatewayPort()}`])
    await gw.control('PATCH', '/control/settings', { discovery: { mdns: false } })
    expect(discovery.calls.at(-1)).toBe('withdraw')
  })

  it('saves start at login for the desktop app', async () => {
    const { body } = await gw.control<{ desktop: { startAtLogin: boolean } }>(
      'PATCH',
      '/control/settings',
      {
        desktop: { startAtLogin: true },
      },
    )
    expect(body.desktop.startAtLogin).toBe(true)
    expect(gw.running.corral.config.desktop.startAtLogin).toBe(true)
  })
})

describe('access', () => {
  it('offers LAN, this-subnet and this-machine presets that all keep this machine', async () => {
    const { body } = await gw.control<Array<{ id: string; entries: string[] }>>(
      'GET',
      '/control/access/presets',
    )
    expect(body.map((p) => p.id)).toEqual(['lan', 'thisSubnet', 'thisMachine'])
    for (const p of body)
      expect(p.entries).toEqual(expect.arrayContaining(['127.0.0.0/8', '::1/128']))
    expect(body[2]!.entries).toEqual(['127.0.0.0/8', '::1/128'])
  })

  it('replaces a list whole, without duplicates', async () => {
    const { status, body } = await gw.control<{ allow: string[] }>('PUT', '/control/access/allow', {
      entries: ['127.0.0.0/8', ' 10.1.0.0/16 ', '127.0.0.0/8', '::1/128'],
    })
    expect(status).toBe(200)
    expect(body.allow).toEqual(['127.0.0.0/8', '10.1.0.0/16', '::1/128'])
    const lan = (await gw.control<Array<{ entries: string[] }>>('GET', '/control/access/presets'))
      .body[0]!
    await gw.control('PUT', '/control/access/allow', { entries: lan.entries })
  })

  it('refuses an empty allow list and a bad entry, naming it', async () => {
    const empty = await gw.control('PUT', '/control/access/allow', { entries: [] })
    expect(empty.status).toBe(400)
    expect(empty.body).toEqual({ error: expect.stringContaining('would refuse everyone') })
    const bad = await gw.control<{ error: string }>('PUT', '/control/access/deny', {
      entries: ['10.0.0.0/8', '10.0.0.0/33'],
    })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toContain('10.0.0.0/33')
  })
})

describe('keys', () => {
  it('changes only the limits a patch names', async () => {
    const { body: created } = await gw.control<{ id: string }>('POST', '/control/keys', {
      name: 'limited',
      limits: { requests: 10, concurrency: 2 },
    })
    const { status, body } = await gw.control<{ limits: Record<string, unknown> }>(
      'PATCH',
      `/control/keys/${created.id}`,
      { limits: { requests: 20 } },
    )
    expect(status).toBe(200)
    expect(body.limits).toMatchObject({ requests: 20, concurrency: 2 })
  })
})
