// Finding and being found: Corral's advertisement as other programs see it, and what Corral
// makes of the `_ollama._tcp` services it hears. Every peer is a separate process inside a
// network namespace this file creates (loopback only, multicast routed to it): real multicast.
// The other side is bonjour-service used directly, or avahi where it is installed.

import os from 'node:os'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Candidate } from '../../gateway/discovery/mdns.js'
import { missingAvahiTools, startAvahi, type Avahi } from './avahi.js'
import {
  GATEWAY_HOST,
  OS_HOST,
  hasCandidate,
  latestCandidates,
  netnsUsable,
  seenBy,
  useLab,
  warnings,
  withoutLastSeen,
} from './lab.js'

const missingAvahi = netnsUsable ? missingAvahiTools() : []
if (netnsUsable && missingAvahi.length > 0) {
  console.warn(`Skipping the avahi tests: ${missingAvahi.join(', ')} not installed.`)
}

describe.skipIf(!netnsUsable)('mDNS advertise and browse on a private loopback network', () => {
  const lab = useLab({ shared: true })

  test('an independent browser finds the gateway with auth=key, app=corral, version, api, scheme and fp in TXT', async () => {
    const gateway = await lab.startGateway()
    const fp = 'ab'.repeat(32)
    await gateway.call('advertise', {
      name: 'Corral Test A',
      port: 11435,
      version: '1.2.3',
      scheme: 'https',
      fingerprint: fp,
    })

    const found = await lab.peer.waitFor(
      () => seenBy(lab.peer).get('Corral Test A'),
      'the advertisement',
    )
    expect(found).toEqual({
      name: 'Corral Test A',
      fqdn: 'Corral Test A._ollama._tcp.local',
      host: GATEWAY_HOST,
      port: 11435,
      txt: {
        auth: 'key',
        app: 'corral',
        version: '1.2.3',
        api: 'ollama,openai',
        scheme: 'https',
        fp,
      },
    })
  })

  test('a TXT-less _ollama._tcp service is a candidate needing no key; another Corral needs one', async () => {
    const other = await lab.startGateway()
    await lab.peer.call('publish', { name: 'Plain Ollama B', port: 11434 })
    await other.call('advertise', { name: 'Corral Test B', port: 11440, version: '2.0.0' })

    const list = await lab.observer.waitFor(() => {
      const c = latestCandidates(lab.observer)
      return c.some((x) => x.name === 'Plain Ollama B') && c.some((x) => x.name === 'Corral Test B')
        ? c
        : undefined
    }, 'both candidates')
    expect(list.find((c) => c.name === 'Plain Ollama B')).toMatchObject({
      port: 11434,
      url: 'http://127.0.0.1:11434', // no A records on loopback: the sender's address
      addresses: ['127.0.0.1'],
      needsKey: false,
      app: null,
      version: null,
      apis: ['ollama'],
    })
    expect(list.find((c) => c.name === 'Corral Test B')).toMatchObject({
      host: GATEWAY_HOST,
      port: 11440,
      url: 'http://127.0.0.1:11440',
      needsKey: true,
      app: 'corral',
      version: '2.0.0',
      apis: ['ollama', 'openai'],
    })
    const now = await lab.observer.call<Candidate[]>('candidates')
    expect(now.map(withoutLastSeen)).toEqual(list.map(withoutLastSeen))
  })

  test("candidates() leaves out the gateway's own advertisement", async () => {
    await lab.observer.call('advertise', {
      name: 'Corral Test Self',
      port: 11435,
      version: '1.0.0',
    })
    try {
      // Once the peer hears our announcement, so have we.
      await lab.peer.waitFor(() => seenBy(lab.peer).get('Corral Test Self'), 'our announcement')
      const names = (await lab.observer.call<Candidate[]>('candidates')).map((c) => c.name)
      expect(names).toContain('Canary Ollama')
      expect(names).not.toContain('Corral Test Self')
    } finally {
      await lab.observer.call('withdraw')
    }
  })

  test('a gateway bound to one interface by name still hears and is heard', async () => {
    const gateway = await lab.startGateway(['--browse', '--interface=lo'])
    await gateway.call('advertise', { name: 'Corral Test Lo', port: 11435, version: '1.0.0' })
    await lab.peer.call('publish', { name: 'Plain Ollama Lo', port: 11434 })
    await gateway.waitFor(() => hasCandidate(gateway, 'Plain Ollama Lo'), 'the peer')
    await lab.peer.waitFor(() => seenBy(lab.peer).get('Corral Test Lo'), 'the gateway')
    expect(warnings(gateway)).toEqual([])
  })

  describe('with avahi', () => {
    let avahi: Avahi | undefined
    const avahiReady = (): Avahi => {
      if (avahi === undefined) throw new Error('avahi did not start')
      return avahi
    }

    beforeAll(async () => {
      if (missingAvahi.length === 0) avahi = await startAvahi(lab.ns)
    })
    afterAll(async () => {
      await avahi?.stop()
    })

    test.skipIf(missingAvahi.length > 0)(
      'avahi-browse sees the gateway and its TXT record',
      async () => {
        const gateway = await lab.startGateway()
        // Loopback carries no A records (bonjour-service skips internal interfaces), so the
        // default target corral-<host>.local has no address here; the computer's own name,
        // which this avahi answers for, does.
        await gateway.call('advertise', {
          name: 'Corral Test Avahi',
          port: 11435,
          version: '3.0.0',
          host: os.hostname(),
        })
        const resolved = await avahiReady().resolve('_ollama._tcp', 'Corral Test Avahi')
        expect(resolved).toEqual({
          name: 'Corral Test Avahi',
          type: '_ollama._tcp',
          host: OS_HOST,
          address: '127.0.0.1',
          port: 11435,
          txt: {
            auth: 'key',
            app: 'corral',
            version: '3.0.0',
            api: 'ollama,openai',
            scheme: 'http',
          },
        })
      },
    )

    test.skipIf(missingAvahi.length > 0)(
      'a plain Ollama published with avahi-publish is a candidate needing no key',
      async () => {
        await avahiReady().publish('Avahi Ollama', '_ollama._tcp', 11434)
        const found = await lab.observer.waitFor(
          () => latestCandidates(lab.observer).find((c) => c.name === 'Avahi Ollama'),
          'the avahi service',
        )
        expect(found).toMatchObject({
          host: OS_HOST,
          port: 11434,
          url: 'http://127.0.0.1:11434',
          needsKey: false,
          app: null,
          apis: ['ollama'],
        })
        expect(found.addresses).toContain('127.0.0.1')
      },
    )
  })
})
