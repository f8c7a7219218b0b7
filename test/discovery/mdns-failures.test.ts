// mDNS must never take the gateway down: socket trouble is logged and the process carries on.
// Each case gets its own network namespace (see lab.ts), broken in its own way.

import { describe, expect, test } from 'vitest'
import { netnsUsable, useLab, warnings } from './lab.js'

describe.skipIf(!netnsUsable)('mDNS with no network at all (loopback down)', () => {
  const lab = useLab({ network: 'none' })

  test('sending fails, the failure is logged once, and the process keeps working', async () => {
    const gateway = await lab.startGateway(['--browse'])
    await gateway.call('advertise', { name: 'Corral Test Alone', port: 11435, version: '1.0.0' })
    await gateway.waitFor(
      () => warnings(gateway).find((w) => w.includes('ENETUNREACH')),
      'a warning',
    )
    expect(await gateway.call('candidates')).toEqual([])
    await gateway.call('withdraw')
    await gateway.call('close')
    expect(gateway.exitCode).toBeNull()
    // Browse queries and probes kept failing; the log said so once.
    expect(warnings(gateway).filter((w) => w.includes('sending a query'))).toHaveLength(1)

    await gateway.stop()
    expect(gateway.exitCode).toBe(0)
  })
})

describe.skipIf(!netnsUsable)(
  'mDNS when port 5353 is held by a responder that will not share it',
  () => {
    const lab = useLab()

    test('the bind failure is logged, not fatal, and close() still works', async () => {
      // No SO_REUSEADDR: nobody else may bind 5353 while this runs.
      const blocker = lab.ns.spawn(process.execPath, [
        '-e',
        "require('node:dgram').createSocket('udp4').bind(5353, () => console.log('bound'))",
      ])
      await new Promise((resolve) => blocker.stdout!.once('data', resolve))
      const gateway = await lab.startGateway(['--browse'])
      await gateway.call('advertise', {
        name: 'Corral Test Blocked',
        port: 11435,
        version: '1.0.0',
      })
      await gateway.waitFor(
        () => warnings(gateway).find((w) => w.includes('EADDRINUSE')),
        'a warning',
      )
      expect(await gateway.call('candidates')).toEqual([])
      await gateway.call('close')
      expect(gateway.exitCode).toBeNull()

      await gateway.stop()
      expect(gateway.exitCode).toBe(0)
    })
  },
)
