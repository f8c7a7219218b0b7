import type { NetworkInterfaceInfo } from 'node:os'
import { describe, expect, test } from 'vitest'
import { ACCESS_PRESETS, compileAccess, validateAccessEntry } from '../../gateway/access/index.js'

const v4 = (address: string, netmask: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask,
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: null,
})

const v6 = (address: string, netmask: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask,
  family: 'IPv6',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: null,
  scopeid: 0,
})

describe('access presets', () => {
  test('every preset entry is a valid access entry', () => {
    for (const entry of [
      ...ACCESS_PRESETS.lan,
      ...ACCESS_PRESETS.thisMachine,
      ...ACCESS_PRESETS.thisSubnet(),
    ]) {
      expect(validateAccessEntry(entry)).toBeNull()
    }
  })

  test('thisMachine admits only loopback', () => {
    const access = compileAccess({
      allow: [...ACCESS_PRESETS.thisMachine],
      deny: [],
      trustedProxies: [],
    })
    expect(access.isAllowed('127.0.0.1')).toBe(true)
    expect(access.isAllowed('::1')).toBe(true)
    expect(access.isAllowed('::ffff:127.0.0.2')).toBe(true)
    expect(access.isAllowed('192.168.1.2')).toBe(false)
  })

  test('thisSubnet gives the networks of non-internal interfaces, computed from address and netmask', () => {
    const cidrs = ACCESS_PRESETS.thisSubnet({
      lo: [
        v4('127.0.0.1', '255.0.0.0', true),
        v6('::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true),
      ],
      eth0: [
        v4('192.168.178.23', '255.255.255.0'),
        v6('fe80::1c2f:3aff:fe4b:5c6d', 'ffff:ffff:ffff:ffff::'),
        v6('2001:db8:1:2:3:4:5:6', 'ffff:ffff:ffff:ffff::'),
      ],
      wlan0: [v4('10.20.30.40', '255.255.240.0'), v4('192.168.178.99', '255.255.255.0')],
      tun0: [v4('100.100.1.2', '255.255.255.255')],
    })
    expect(cidrs).toEqual([
      '192.168.178.0/24',
      '10.20.16.0/20',
      '100.100.1.2/32',
      'fe80::/64',
      '2001:db8:1:2::/64',
    ])
  })

  test('an interface whose netmask is not a prefix is skipped', () => {
    expect(ACCESS_PRESETS.thisSubnet({ odd: [v4('10.0.0.1', '255.0.255.0')] })).toEqual([])
  })
})
