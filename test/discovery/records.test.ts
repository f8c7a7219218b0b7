// How a heard `_ollama._tcp` service becomes a Candidate, and the naming rules for our own.
// Pure functions: no sockets here (mdns.test.ts does the network).

import os from 'node:os'
import type { Service } from 'bonjour-service'
import { describe, expect, test } from 'vitest'
import { createNoopDiscovery } from '../../gateway/discovery/mdns.js'
import {
  bestAddress,
  corralTxt,
  instanceName,
  advertisedHostName,
  toCandidate,
} from '../../gateway/discovery/records.js'

function service(fields: Partial<Service>): Service {
  return {
    name: 'studio',
    host: 'studio.local',
    port: 11434,
    addresses: [],
    referer: { address: '192.168.1.20', family: 'IPv4', port: 5353, size: 100 },
    ...fields,
  } as Service
}

describe('candidates from heard services', () => {
  test('a TXT-less service is a plain Ollama: no key, no app, the Ollama API', () => {
    expect(toCandidate(service({ txt: {} }), 42)).toEqual({
      name: 'studio',
      host: 'studio.local',
      addresses: ['192.168.1.20'],
      port: 11434,
      url: 'http://192.168.1.20:11434',
      needsKey: false,
      app: null,
      version: null,
      apis: ['ollama'],
      lastSeen: 42,
    })
  })

  test('TXT keys are read case-insensitively and the api list is split on commas', () => {
    const c = toCandidate(
      service({ txt: { Auth: 'KEY', APP: 'corral', Version: '1.0.0', api: 'ollama, OpenAI' } }),
      0,
    )
    expect(c).toMatchObject({ needsKey: true, app: 'corral', version: '1.0.0' })
    expect(c.apis).toEqual(['ollama', 'openai'])
  })

  test('auth with any other value than "key" does not ask for a key', () => {
    expect(toCandidate(service({ txt: { auth: 'none' } }), 0).needsKey).toBe(false)
  })

  test.each([
    {
      why: 'the address the announcement came from wins over a Docker bridge listed first',
      addresses: ['172.17.0.1', '192.168.1.20'],
      sender: '192.168.1.20',
      best: '192.168.1.20',
    },
    {
      why: 'IPv4 comes before IPv6',
      addresses: ['fd00::20', '10.0.0.5'],
      sender: '10.9.9.9',
      best: '10.0.0.5',
    },
    {
      why: 'routable IPv6 comes before link-local IPv6, which has no zone',
      addresses: ['fe80::1', 'fd00::20'],
      sender: undefined,
      best: 'fd00::20',
    },
    {
      why: 'with only link-local IPv6, the sender is used',
      addresses: ['fe80::1'],
      sender: '192.168.1.20',
      best: '192.168.1.20',
    },
  ])('best address: $why', ({ addresses, sender, best }) => {
    expect(bestAddress(addresses, sender)).toBe(best)
  })

  test('an IPv6 url puts the address in brackets', () => {
    const c = toCandidate(service({ addresses: ['fd00::20'], referer: undefined }), 0)
    expect(c.url).toBe('http://[fd00::20]:11434')
  })
})

describe('our own advertisement', () => {
  test('the TXT record is the one DESIGN.md promises', () => {
    expect(corralTxt('0.1.0')).toEqual({
      auth: 'key',
      app: 'corral',
      version: '0.1.0',
      api: 'ollama,openai',
      scheme: 'http',
    })
  })

  test('with HTTPS on, the TXT record carries the scheme and the certificate fingerprint', () => {
    const fp = 'ab'.repeat(32)
    expect(corralTxt('0.1.0', { scheme: 'https', fingerprint: fp })).toMatchObject({
      scheme: 'https',
      fp,
    })
    // Plain HTTP never advertises a fingerprint, even when a certificate exists.
    expect(corralTxt('0.1.0', { scheme: 'http', fingerprint: fp }).fp).toBeUndefined()
  })

  test('another Corral that advertises scheme=https is listed with an https url', () => {
    const c = toCandidate(service({ txt: { app: 'corral', scheme: 'https' } }), 0)
    expect(c.url).toBe('https://192.168.1.20:11434')
  })

  test.each([
    { name: 'Corral on studio', attempt: 1, expected: 'Corral on studio' },
    { name: 'Corral on studio', attempt: 2, expected: 'Corral on studio (2)' },
    { name: 'studio.example.com', attempt: 1, expected: 'studio-example-com' },
    { name: '   ', attempt: 1, expected: 'Corral' },
  ])('instance name "$name", try $attempt -> "$expected"', ({ name, attempt, expected }) => {
    expect(instanceName(name, attempt)).toBe(expected)
  })

  test('a long instance name is cut to 63 bytes, suffix included, without splitting a character', () => {
    const name = instanceName('é'.repeat(40), 12)
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63)
    expect(name).toMatch(/^é+ \(12\)$/)
  })

  test.each([
    { host: 'studio', expected: 'studio.local' },
    { host: 'Studio.example.com', expected: 'studio.local' },
    { host: 'MacBook-Pro.local', expected: 'macbook-pro.local' },
    { host: 'my_box', expected: 'my-box.local' },
  ])('an explicit host $host is advertised as $expected', ({ host, expected }) => {
    expect(advertisedHostName(host)).toBe(expected)
  })

  test("by default the SRV target is not the computer's own .local name, which its OS answers for", () => {
    const label = os
      .hostname()
      .toLowerCase()
      .split('.')[0]!
      .replace(/[^a-z0-9-]/g, '-')
    expect(advertisedHostName()).toBe(`corral-${label}.local`.replace('-.local', '.local'))
  })
})

describe('the no-op discovery (--no-mdns)', () => {
  test('advertises nothing, finds nothing and closes', async () => {
    const discovery = createNoopDiscovery()
    const off = discovery.onChange(() => {
      throw new Error('never called')
    })
    discovery.advertise({ name: 'x', port: 11435, version: '1' })
    expect(discovery.candidates()).toEqual([])
    await discovery.withdraw()
    off()
    await discovery.close()
  })
})
