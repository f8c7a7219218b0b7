// The first start with sharing on remembers the network it starts on, and that change of
// config makes the network binding look again while the LAN listener is still starting. The
// two must not both start it: a second listener (with port 0, on another port) was left
// listening, and still listened after close().
import { afterEach, expect, test } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.js'
import { OFFICE } from '../support/networks.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

/** Listening TCP servers of this process. */
const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length

test('a first start bound to its network listens on the LAN once, and close() leaves nothing listening', async () => {
  const before = servers()
  gw = await startTestGateway({
    backends: 0,
    start: { networkBound: true, networkProbe: () => OFFICE, networkIntervalMs: 20 },
  })
  // Long enough for the network binding's second look (and any listener it started) to land.
  await new Promise((r) => setTimeout(r, 300))
  expect(gw.running.sharing.isOn()).toBe(true)
  // The control listener and the one LAN listener (the fake backends: none).
  expect(servers() - before).toBe(2)
  await gw.close()
  gw = null
  await new Promise((r) => setTimeout(r, 50))
  expect(servers()).toBe(before)
})
