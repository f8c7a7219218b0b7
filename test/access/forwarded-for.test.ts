import { describe, expect, test } from 'vitest'
import { compileAccess } from '../../gateway/access/index.js'

const access = compileAccess({
  allow: ['10.0.0.0/8', '127.0.0.0/8', '::1'],
  deny: [],
  trustedProxies: ['127.0.0.1', '10.0.0.2', '10.0.0.3', '::1', '172.20.0.0/16'],
})

describe('X-Forwarded-For', () => {
  test.each<[string, string, string | string[] | undefined, string]>([
    // [case, peer, X-Forwarded-For, judged address]
    [
      'an untrusted peer with a spoofed header is judged by itself',
      '8.8.8.8',
      '10.1.1.1',
      '8.8.8.8',
    ],
    ['an untrusted LAN peer cannot claim to be loopback', '10.9.9.9', '127.0.0.1', '10.9.9.9'],
    ['an untrusted IPv4-mapped peer is normalized', '::ffff:10.9.9.9', '127.0.0.1', '10.9.9.9'],
    ['a trusted proxy without the header is judged by itself', '127.0.0.1', undefined, '127.0.0.1'],
    ['a trusted proxy with an empty header is judged by itself', '127.0.0.1', '', '127.0.0.1'],
    ['a trusted proxy forwards one client', '127.0.0.1', '203.0.113.9', '203.0.113.9'],
    [
      'a trusted IPv4-mapped proxy counts as trusted',
      '::ffff:127.0.0.1',
      '203.0.113.9',
      '203.0.113.9',
    ],
    [
      'the right-most untrusted hop wins over spoofed hops to its left',
      '127.0.0.1',
      '10.1.1.1, 203.0.113.9',
      '203.0.113.9',
    ],
    [
      'trusted proxies on the right are skipped',
      '127.0.0.1',
      '203.0.113.9, 10.0.0.3, 10.0.0.2',
      '203.0.113.9',
    ],
    [
      'a trusted CIDR of proxies is skipped',
      '172.20.0.5',
      '198.51.100.1, 172.20.1.1',
      '198.51.100.1',
    ],
    [
      'every hop trusted: the left-most hop is the client',
      '127.0.0.1',
      '10.0.0.3, 10.0.0.2',
      '10.0.0.3',
    ],
    ['an IPv6 hop is normalized', '::1', '2001:DB8::0:1', '2001:db8::1'],
    ['an IPv4-mapped hop is judged as IPv4', '::1', '::ffff:198.51.100.7', '198.51.100.7'],
    ['a hop with a port is accepted', '127.0.0.1', '198.51.100.7:53211', '198.51.100.7'],
    [
      'a bracketed IPv6 hop with a port is accepted',
      '127.0.0.1',
      '[2001:db8::5]:443',
      '2001:db8::5',
    ],
    ['a hop with a zone id loses it', '127.0.0.1', 'fe80::1%eth0', 'fe80::1'],
    [
      'multiple headers are read left to right as one list',
      '127.0.0.1',
      ['10.1.1.1', '203.0.113.9, 10.0.0.2'],
      '203.0.113.9',
    ],
    [
      'multiple headers: the last one holds the nearest hop',
      '127.0.0.1',
      ['203.0.113.9', '198.51.100.1'],
      '198.51.100.1',
    ],
    ['garbage from a trusted proxy falls back to the peer', '127.0.0.1', 'banana', '127.0.0.1'],
    ['"unknown" falls back to the peer', '127.0.0.1', 'unknown', '127.0.0.1'],
    [
      'an empty hop on the walk falls back to the peer',
      '127.0.0.1',
      '203.0.113.9, , 10.0.0.2',
      '127.0.0.1',
    ],
    ['a non-decimal IPv4 hop falls back to the peer', '127.0.0.1', '0x7f.0.0.1', '127.0.0.1'],
    ['an out-of-range hop falls back to the peer', '127.0.0.1', '300.1.1.1', '127.0.0.1'],
    [
      'garbage left of the client hop is never looked at',
      '127.0.0.1',
      'banana, 203.0.113.9',
      '203.0.113.9',
    ],
    ['a malformed peer is returned as given, lowercased', 'NOT-AN-IP', '203.0.113.9', 'not-an-ip'],
  ])('%s', (_case, peer, xff, expected) => {
    expect(access.clientIp(peer, xff)).toBe(expected)
  })

  test('with no trusted proxies the header is never believed', () => {
    const strict = compileAccess({ allow: ['0.0.0.0/0'], deny: [], trustedProxies: [] })
    expect(strict.clientIp('127.0.0.1', '203.0.113.9')).toBe('127.0.0.1')
  })

  test('a spoofed loopback hop behind a trusted proxy is judged by the real client address', () => {
    const ip = access.clientIp('127.0.0.1', '127.0.0.1, 203.0.113.9')
    expect(ip).toBe('203.0.113.9')
    expect(access.isAllowed(ip)).toBe(false)
  })
})
