// Sharing bound to the network it was turned on for: on another network the LAN listener
// pauses by itself and resumes back home; "Share on this network" remembers the new one.
// The network probe is injected (a laptop cannot be carried to a hotel in a test).
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { request } from 'undici'
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js'
import type { NetworkInfo } from '../../gateway/network/probe.js'
import { OFFICE } from '../support/networks.js'
import type { NetworkState } from '../../gateway/network/binding.js'

const HOTEL: NetworkInfo = {
  ...OFFICE,
  address: '10.8.3.7',
  subnet: '10.8.0.0/16',
  gateway: '10.8.0.1',
  gatewayMac: '',
}
/** Another home router at the same default address: a different box. */
const NEIGHBOUR: NetworkInfo = { ...OFFICE, gatewayMac: 'aa:bb:cc:99:99:99' }

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

async function start(bound: { networkBound?: boolean; networkBoundDefault?: boolean }) {
  let here: NetworkInfo | null = OFFICE
  gw = await startTestGateway({
    start: { ...bound, networkProbe: () => here, networkIntervalMs: 20 },
  })
  const port = gw.running.gatewayPort()!
  return {
    gw,
    port,
    moveTo: (n: NetworkInfo | null) => void (here = n),
  }
}

async function answers(port: number, key: string): Promise<boolean> {
  try {
    const res = await request(`http://127.0.0.1:${port}/api/version`, {
      headers: { authorization: `Bearer ${key}` },
    })
    await res.body.dump()
    return res.statusCode === 200
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') return false
    throw err
  }
}

const network = async (g: TestGateway) =>
  (
    await g.control<{ network: NetworkState; sharing: boolean; warnings: string[] }>(
      'GET',
      '/control/status',
    )
  ).body

describe('the desktop app (network-bound by default)', () => {
  test('remembers the network it first shares on, pauses elsewhere and resumes back home', async () => {
    const { gw: g, port, moveTo } = await start({ networkBoundDefault: true })
    expect(await answers(port, g.key)).toBe(true)
    let s = await network(g)
    expect(s.network).toMatchObject({ bound: true, known: true, paused: false })
    expect(s.network.remembered.map((r) => r.label)).toEqual(['192.168.1.0/24 via 192.168.1.1'])

    moveTo(HOTEL)
    await eventually(async () => expect(await answers(port, g.key)).toBe(false))
    s = await network(g)
    expect(s.sharing).toBe(false)
    expect(s.network).toMatchObject({ paused: true, known: false })
    expect(s.network.reason).toBe(
      'Sharing is paused: this is a network you have not shared on (10.8.0.0/16 via 10.8.0.1).',
    )
    expect(s.warnings).toContain(s.network.reason)
    // The owner's switch is still on: it is the network that holds sharing off.
    const saved = JSON.parse(fs.readFileSync(path.join(g.dataDir, 'config.json'), 'utf8'))
    expect(saved.server.sharing).toBe(true)

    moveTo(OFFICE)
    await eventually(async () => expect(await answers(port, g.key)).toBe(true))
    expect((await network(g)).network.paused).toBe(false)
  })

  test('"Share on this network" remembers it and resumes; forgetting it pauses again', async () => {
    const { gw: g, port, moveTo } = await start({ networkBoundDefault: true })
    moveTo(HOTEL)
    await eventually(async () => expect((await network(g)).network.paused).toBe(true))

    const here = await g.control<NetworkState>('POST', '/control/network/share-here')
    expect(here.status).toBe(200)
    expect(here.body).toMatchObject({ paused: false, known: true })
    expect(here.body.remembered.map((r) => r.subnet)).toEqual(['192.168.1.0/24', '10.8.0.0/16'])
    expect(await answers(port, g.key)).toBe(true)

    const forgot = await g.control<NetworkState>(
      'DELETE',
      '/control/network/remembered/10.8.0.0%2F16%4010.8.0.1',
    )
    expect(forgot.status).toBe(200)
    expect(forgot.body.paused).toBe(true)
    expect(await answers(port, g.key)).toBe(false)

    const unknown = await g.control<{ error: string }>('DELETE', '/control/network/remembered/nope')
    expect(unknown.status).toBe(404)
  })

  test('another router at the same address is another network', async () => {
    const { gw: g, port, moveTo } = await start({ networkBoundDefault: true })
    moveTo(NEIGHBOUR)
    await eventually(async () => expect(await answers(port, g.key)).toBe(false))
    expect((await network(g)).network.current?.gatewayMac).toBe('aa:bb:cc:99:99:99')
  })

  test('a moment on no network changes nothing', async () => {
    const { gw: g, port, moveTo } = await start({ networkBoundDefault: true })
    moveTo(null)
    await new Promise((r) => setTimeout(r, 150))
    expect(await answers(port, g.key)).toBe(true)
    expect((await network(g)).network.current).toBeNull()
  })

  test('turning sharing on while on an unknown network is the yes for that network', async () => {
    const { gw: g, port, moveTo } = await start({ networkBoundDefault: true })
    await g.control('POST', '/control/sharing', { on: false })
    moveTo(HOTEL)
    await eventually(async () =>
      expect((await network(g)).network.current?.subnet).toBe('10.8.0.0/16'),
    )
    const on = await g.control<{ sharing: boolean; network: NetworkState }>(
      'POST',
      '/control/sharing',
      { on: true },
    )
    expect(on.body.sharing).toBe(true)
    expect(on.body.network.known).toBe(true)
    expect(await answers(port, g.key)).toBe(true)
  })
})

describe('the headless server', () => {
  test('keeps sharing when the network changes', async () => {
    const { gw: g, port, moveTo } = await start({ networkBoundDefault: false })
    moveTo(HOTEL)
    await eventually(async () =>
      expect((await network(g)).network.current?.subnet).toBe('10.8.0.0/16'),
    )
    expect(await answers(port, g.key)).toBe(true)
    expect((await network(g)).network).toMatchObject({ bound: false, paused: false })
  })

  test('with --network-bound pauses on a network it was not started on', async () => {
    const { gw: g, port, moveTo } = await start({ networkBound: true, networkBoundDefault: false })
    moveTo(HOTEL)
    await eventually(async () => expect(await answers(port, g.key)).toBe(false))
  })

  test('network.bound in the settings binds it without a restart', async () => {
    const { gw: g, port, moveTo } = await start({ networkBoundDefault: false })
    const res = await g.control('PATCH', '/control/settings', { network: { bound: true } })
    expect(res.status).toBe(200)
    // The network it shares on now is the one it is bound to.
    await eventually(async () => expect((await network(g)).network.known).toBe(true))
    expect(await answers(port, g.key)).toBe(true)
    moveTo(HOTEL)
    await eventually(async () => expect(await answers(port, g.key)).toBe(false))
  })
})
