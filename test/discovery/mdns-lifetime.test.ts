// The life of an advertisement and of a candidate: re-advertising, goodbyes, TTL expiry and
// name conflicts. Every peer is a separate process inside a network namespace this file creates
// (loopback only, multicast routed to it), talking real multicast.

import { describe, expect, test } from 'vitest'
import type { Candidate } from '../../gateway/discovery/mdns.js'
import {
  changes,
  delay,
  hasCandidate,
  latestCandidates,
  netnsUsable,
  seenBy,
  useLab,
  warnings,
  type Found,
} from './lab.js'

describe.skipIf(!netnsUsable)('mDNS advertisements and candidates over time', () => {
  const lab = useLab({ shared: true })

  test('advertise() again with the same options changes nothing; with new ones it re-announces', async () => {
    const gateway = await lab.startGateway()
    const opts = { name: 'Corral Test Again', port: 11435, version: '1.0.0' }
    await gateway.call('advertise', opts)
    await lab.peer.waitFor(() => seenBy(lab.peer).get('Corral Test Again'), 'the advertisement')
    await gateway.call('advertise', { ...opts })
    await gateway.call('advertise', { ...opts, version: '1.0.1' })

    const updated = await lab.peer.waitFor(() => {
      const found = seenBy(lab.peer).get('Corral Test Again')
      return found?.txt?.version === '1.0.1' ? found : undefined
    }, 'the new version')
    expect(updated.port).toBe(11435)
    // One goodbye (for 1.0.0) and two announcements: the repeated call sent nothing.
    const events = lab.peer.events.filter((e) => (e.data as Found | undefined)?.name === opts.name)
    expect(events.map((e) => e.event)).toEqual(['up', 'down', 'up'])
  })

  test("withdraw() says goodbye: the gateway leaves another instance's list at once, not after its TTL", async () => {
    const gateway = await lab.startGateway()
    await gateway.call('advertise', { name: 'Corral Test Leaving', port: 11435, version: '1.0.0' })
    await lab.observer.waitFor(
      () => hasCandidate(lab.observer, 'Corral Test Leaving'),
      'the gateway',
    )

    const started = Date.now()
    await gateway.call('withdraw')
    await lab.observer.waitFor(
      () => !hasCandidate(lab.observer, 'Corral Test Leaving'),
      'the goodbye',
    )
    expect(Date.now() - started).toBeLessThan(2_000) // the records' TTL is 120 s
    expect(gateway.exitCode).toBeNull()
  })

  test('a service that keeps answering outlives its TTL; once silent, it is dropped when the TTL runs out', async () => {
    await lab.peer.call('shortLived', { name: 'Ghost Ollama', port: 11450, ttl: 1 })
    const seen = await lab.observer.waitFor(
      () => latestCandidates(lab.observer).find((c) => c.name === 'Ghost Ollama'),
      'the announcement',
    )
    expect(seen).toMatchObject({ host: 'ghost.local', url: 'http://127.0.0.1:11450' })
    const since = changes(lab.observer).length - 1

    // Well past its TTL it is still there: the refresh queries at 80 % and 90 % were answered.
    await delay(1_600)
    const whileAnswering = await lab.observer.call<Candidate[]>('candidates')
    expect(whileAnswering.find((c) => c.name === 'Ghost Ollama')?.lastSeen).toBeGreaterThan(
      seen.lastSeen,
    )
    const history = changes(lab.observer).slice(since)
    expect(history.every((list) => list.some((c) => c.name === 'Ghost Ollama'))).toBe(true)

    await lab.peer.call('silence')
    const silentAt = Date.now()
    await lab.observer.waitFor(() => !hasCandidate(lab.observer, 'Ghost Ollama'), 'the expiry')
    expect(Date.now() - silentAt).toBeLessThan(2_000)
  })

  test('a name already taken on the network is advertised as "Name (2)"', async () => {
    const [first, second] = await Promise.all([lab.startGateway(), lab.startGateway()])
    await first.call('advertise', { name: 'Corral Test Twin', port: 11435, version: '1.0.0' })
    await lab.peer.waitFor(() => seenBy(lab.peer).get('Corral Test Twin'), 'the first gateway')

    await second.call('advertise', { name: 'Corral Test Twin', port: 11445, version: '1.0.0' })
    const renamed = await lab.peer.waitFor(
      () => seenBy(lab.peer).get('Corral Test Twin (2)'),
      'the second',
    )
    expect(renamed.port).toBe(11445)
    expect(seenBy(lab.peer).get('Corral Test Twin')?.port).toBe(11435)
    expect(warnings(second).join('\n')).toContain('advertising as "Corral Test Twin (2)"')
  })
})
