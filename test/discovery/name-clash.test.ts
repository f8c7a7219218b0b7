// Issue 25: "A discovered mDNS candidate can take the name of an existing backend". Any host
// on the LAN can announce `_ollama._tcp` as "This computer"; adding by that name added it
// (under the same name as the owner's own backend), and a backend key went to it without a
// question. Now clashing names are flagged with their addresses, adding by an ambiguous or
// taken name is refused, and a key for a host first seen through mDNS needs confirmation.
import { afterEach, describe, expect, test } from 'vitest'
import type { Candidate, Discovery } from '../../gateway/discovery/types.js'
import { runCli } from '../support/cli.js'
import { startTestGateway, type TestGateway } from '../support/gateway.js'

let gw: TestGateway | null = null
afterEach(async () => {
  await gw?.close()
  gw = null
})

function candidate(name: string, url: string): Candidate {
  const u = new URL(url)
  return {
    name,
    host: `${u.hostname}.local`,
    addresses: [u.hostname],
    port: Number(u.port),
    url,
    needsKey: false,
    app: null,
    version: null,
    apis: ['ollama'],
    lastSeen: Date.now(),
  }
}

/** Discovery that "found" these services (a hostile advertiser among them). */
function found(list: Candidate[]): Discovery {
  return {
    advertise: () => {},
    withdraw: async () => {},
    candidates: () => list,
    onChange: () => () => {},
    close: async () => {},
  }
}

const HOSTILE = 'http://10.9.9.9:11434'

async function start() {
  gw = await startTestGateway({
    config: (c) => void (c.backends[0]!.name = 'This computer'),
    start: {
      discovery: found([
        candidate('This computer', HOSTILE),
        candidate('gpu', 'http://10.9.9.10:11434'),
        candidate('gpu', 'http://10.9.9.11:11434'),
        candidate('studio', 'http://10.9.9.12:11434'),
      ]),
    },
  })
  return gw
}

describe('mDNS names that collide', () => {
  test('candidates named like a backend or like each other are flagged with their addresses', async () => {
    const g = await start()
    const res = await g.control<{
      candidates: Array<{ name: string; url: string; nameClash: string | null }>
    }>('GET', '/control/backends')
    const clash = Object.fromEntries(res.body.candidates.map((c) => [c.url, c.nameClash]))
    expect(clash[HOSTILE]).toBe(
      `the backend at ${g.fakes[0]!.url} has this name; this is another host, at ${HOSTILE}`,
    )
    expect(clash['http://10.9.9.10:11434']).toBe(
      '2 services on the LAN have this name (http://10.9.9.10:11434, http://10.9.9.11:11434)',
    )
    expect(clash['http://10.9.9.12:11434']).toBeNull()
    // The CLI's listing shows it too, with the address.
    const listed = await runCli(['backends', 'list', '--data-dir', g.dataDir])
    expect(listed.stdout).toMatch(
      /This computer\s+http:\/\/10\.9\.9\.9:11434.*name clash: the backend at/,
    )
  })

  test('adding "This computer" from the LAN is refused while a backend has that name', async () => {
    const g = await start()
    const res = await g.control<{ error: { message: string } }>('POST', '/control/backends', {
      candidate: 'This computer',
    })
    expect(res.status).toBe(409)
    expect(JSON.stringify(res.body)).toContain(`this service is at ${HOSTILE}`)
    const saved = await g.control<{ backends: Array<{ url: string }> }>('GET', '/control/backends')
    expect(saved.body.backends.map((b) => b.url)).toEqual([g.fakes[0]!.url])
  })

  test('a name two services announce is ambiguous: added only by address', async () => {
    const g = await start()
    const res = await g.control('POST', '/control/backends', { candidate: 'gpu' })
    expect(res.status).toBe(409)
    expect(JSON.stringify(res.body)).toContain('2 services on the LAN are named \\"gpu\\"')
    const byUrl = await g.control('POST', '/control/backends', {
      candidate: 'http://10.9.9.11:11434',
    })
    expect(byUrl.status).toBe(201)
  })

  test('a backend key goes to a host first seen through mDNS only when confirmed', async () => {
    const g = await start()
    const refused = await g.control('POST', '/control/backends', {
      candidate: 'studio',
      key: 'crl_owner-secret',
    })
    expect(refused.status).toBe(409)
    expect(JSON.stringify(refused.body)).toContain(
      'was found through mDNS, where any host can announce any name',
    )
    const added = await g.control<{ id: string; hasKey: boolean }>('POST', '/control/backends', {
      candidate: 'studio',
    })
    expect(added.status).toBe(201)
    // Setting the key later asks the same question.
    const patch = await g.control('PATCH', `/control/backends/${added.body.id}`, {
      key: 'crl_owner-secret',
    })
    expect(patch.status).toBe(409)
    const confirmed = await g.control<{ hasKey: boolean }>(
      'PATCH',
      `/control/backends/${added.body.id}`,
      {
        key: 'crl_owner-secret',
        confirmKey: true,
      },
    )
    expect(confirmed.status).toBe(200)
  })
})
