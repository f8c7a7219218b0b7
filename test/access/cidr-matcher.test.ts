import { describe, expect, test } from 'vitest'
import {
  ACCESS_PRESETS,
  AccessRuleError,
  compileAccess,
  normalizeIp,
  validateAccessEntry,
} from '../../gateway/access/index.js'

const rulesWith = (allow: string[], deny: string[] = []) =>
  compileAccess({ allow, deny, trustedProxies: [] })

describe('allow lists of addresses and CIDRs', () => {
  test.each([
    // [allow entry, address, allowed]
    ['10.0.0.0/8', '10.0.0.0', true],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['10.0.0.0/8', '9.255.255.255', false],
    ['172.16.0.0/12', '172.31.255.255', true],
    ['172.16.0.0/12', '172.32.0.0', false],
    ['192.168.1.0/24', '192.168.1.77', true],
    ['192.168.1.0/24', '192.168.2.1', false],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['0.0.0.0/0', '255.255.255.255', true],
    ['0.0.0.0/0', '::1', false],
    ['203.0.113.7/32', '203.0.113.7', true],
    ['203.0.113.7/32', '203.0.113.8', false],
    ['203.0.113.7', '203.0.113.7', true],
    ['10.1.2.3/8', '10.200.0.1', true],
    ['::1', '::1', true],
    ['::1/128', '0:0:0:0:0:0:0:1', true],
    ['::1/128', '::2', false],
    ['fc00::/7', 'fd12:3456::1', true],
    ['fc00::/7', 'fe00::1', false],
    ['fe80::/10', 'fe80::1%eth0', true],
    ['fe80::/10', 'FE80::ABCD%wlp2s0', true],
    ['fe80::/10', 'febf:ffff::1', true],
    ['fe80::/10', 'fec0::1', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['::/0', '2001:4860:4860::8888', true],
    ['::/0', '8.8.8.8', false],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['10.0.0.0/8', '::FFFF:0a01:0203', true],
    ['::ffff:10.0.0.0/104', '10.9.9.9', true],
    ['::ffff:192.168.0.1', '192.168.0.1', true],
  ])('allow %s lets %s in: %s', (entry, address, allowed) => {
    expect(rulesWith([entry]).isAllowed(address)).toBe(allowed)
  })

  test.each(['8.8.8.8', '::ffff:8.8.8.8', '2001:4860:4860::8888', '100.128.0.1', '172.32.0.1'])(
    'the LAN preset refuses the public address %s',
    (address) => {
      expect(rulesWith([...ACCESS_PRESETS.lan]).isAllowed(address)).toBe(false)
    },
  )

  test.each([
    '127.0.0.1',
    '::1',
    '10.1.2.3',
    '::ffff:10.1.2.3',
    '172.16.5.4',
    '192.168.178.20',
    '169.254.10.10',
    '100.64.0.1',
    '100.127.255.255',
    'fd00::42',
    'fe80::1%en0',
  ])('the LAN preset admits the local address %s', (address) => {
    expect(rulesWith([...ACCESS_PRESETS.lan]).isAllowed(address)).toBe(true)
  })

  test.each(['banana', '', '10.1', '010.1.2.3', '0x0a.1.2.3', '1.2.3.4:80', '[::1]'])(
    'a client address that does not parse (%j) is refused even by 0.0.0.0/0 and ::/0',
    (address) => {
      expect(rulesWith(['0.0.0.0/0', '::/0']).isAllowed(address)).toBe(false)
    },
  )

  test('an empty allow list lets nobody in', () => {
    const access = rulesWith([])
    expect(access.isAllowed('127.0.0.1')).toBe(false)
    expect(access.isAllowed('::1')).toBe(false)
  })

  test.each([
    // [allow, deny, address, allowed]
    [['10.0.0.0/8'], ['10.9.0.0/16'], '10.9.1.1', false],
    [['10.0.0.0/8'], ['10.9.0.0/16'], '10.8.1.1', true],
    [['10.9.1.1'], ['10.0.0.0/8'], '10.9.1.1', false],
    [['0.0.0.0/0'], ['10.9.1.1'], '::ffff:10.9.1.1', false],
    [['::/0'], ['fd00::/8'], 'fd00::1', false],
    [['::/0'], ['fd00::/8'], 'fc00::1', true],
    [[], ['10.0.0.0/8'], '10.1.1.1', false],
  ])('allow %j with deny %j judges %s as allowed: %s', (allow, deny, address, allowed) => {
    expect(rulesWith(allow, deny).isAllowed(address)).toBe(allowed)
  })

  test('overlapping and unsorted ranges are matched like their union', () => {
    const access = rulesWith([
      '10.0.0.0/16',
      '10.0.128.0/17',
      '192.168.0.0/16',
      '10.0.0.0/24',
      '9.0.0.0/8',
    ])
    expect(access.isAllowed('10.0.200.1')).toBe(true)
    expect(access.isAllowed('9.1.1.1')).toBe(true)
    expect(access.isAllowed('10.1.0.0')).toBe(false)
    expect(access.isAllowed('192.168.255.255')).toBe(true)
  })
})

describe('bad entries', () => {
  test.each([
    ['allow', '10.0.0.0/33'],
    ['allow', '300.1.1.1'],
    ['allow', 'banana'],
    ['allow', '10.0.0.0/'],
    ['allow', '/8'],
    ['allow', '10.0.0.0/-1'],
    ['allow', '10.0.0.0/8/8'],
    ['allow', '010.0.0.1'],
    ['allow', '10.1'],
    ['deny', 'fe80::/129'],
    ['deny', '2001:db8::g'],
    ['deny', ''],
    ['trustedProxies', '::ffff:10.0.0.0/64'],
    ['trustedProxies', '1.2.3.4:80'],
  ] as const)('a bad %s entry %j throws AccessRuleError naming the entry', (list, entry) => {
    const rules = { allow: ['10.0.0.0/8'], deny: [], trustedProxies: [], [list]: [entry] }
    let error: unknown
    try {
      compileAccess(rules)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(AccessRuleError)
    const ruleError = error as AccessRuleError
    expect(ruleError.entry).toBe(entry)
    expect(ruleError.list).toBe(list)
    expect(ruleError.message).toContain(`access.${list}`)
    expect(ruleError.message).toContain(`"${entry}"`)
  })

  test.each([
    ['10.0.0.0/33', /prefix length .*0-32/],
    ['fe80::/129', /prefix length .*0-128/],
    ['300.1.1.1', /not a valid/],
    ['banana', /not a valid/],
  ])('validateAccessEntry explains what is wrong with %j', (entry, message) => {
    expect(validateAccessEntry(entry)).toMatch(message)
  })

  test.each([
    '10.0.0.0/8',
    ' 192.168.1.1 ',
    '::1',
    'fe80::/10',
    'fe80::1%eth0',
    '0.0.0.0/0',
    '::/0',
  ])('validateAccessEntry accepts %j', (entry) => {
    expect(validateAccessEntry(entry)).toBeNull()
  })

  test('the schema default allow list compiles', () => {
    expect(() => rulesWith([...ACCESS_PRESETS.lan, ...ACCESS_PRESETS.thisMachine])).not.toThrow()
  })
})

describe('normalizeIp', () => {
  test.each([
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['::FFFF:10.1.2.3', '10.1.2.3'],
    ['fe80::1%eth0', 'fe80::1'],
    ['FE80:0:0:0:0:0:0:ABCD', 'fe80::abcd'],
    ['2001:DB8::1', '2001:db8::1'],
    ['192.168.1.1', '192.168.1.1'],
    ['::1', '::1'],
    [' Not-An-IP ', 'not-an-ip'],
  ])('%j becomes %j', (input, output) => {
    expect(normalizeIp(input)).toBe(output)
  })
})
