// The list of devices waiting for the owner: bounded in total and per address (anyone on the
// LAN can make new keys at will), every string from the request bounded and printable.
import { describe, expect, it } from 'vitest'
import {
  clientOf,
  deviceId,
  MAX_PENDING,
  MAX_PENDING_PER_ADDRESS,
  PendingDevices,
} from '../../gateway/device-keys/pending.js'

const ask = (i: number, address: string) => ({
  publicKey: `ssh-ed25519 K${i}`,
  fingerprint: `SHA256:${i}`,
  userAgent: 'ollama/0.13.1 (amd64 linux) Go/go1.24.1',
  address,
})

describe('waiting devices', () => {
  it('keep at most MAX_PENDING in all, dropping the one that asked longest ago', () => {
    const p = new PendingDevices()
    for (let i = 0; i < MAX_PENDING + 10; i++) p.note(ask(i, `10.0.${i}.1`), i)
    const list = p.list()
    expect(list).toHaveLength(MAX_PENDING)
    expect(list.some((d) => d.fingerprint === 'SHA256:0')).toBe(false)
    expect(list[0]!.fingerprint).toBe(`SHA256:${MAX_PENDING + 9}`)
  })

  it('keep at most a few per address, so one machine cannot push the others out', () => {
    const p = new PendingDevices()
    p.note(ask(1000, '10.0.0.9'), 0)
    for (let i = 0; i < 50; i++) p.note(ask(i, '10.0.0.66'), i + 1)
    expect(p.list().filter((d) => d.address === '10.0.0.66')).toHaveLength(MAX_PENDING_PER_ADDRESS)
    expect(p.find(deviceId('SHA256:1000'))).not.toBeNull()
  })

  it('count a device asking again instead of listing it twice', () => {
    const p = new PendingDevices()
    expect(p.note(ask(1, '10.0.0.2'), 1).isNew).toBe(true)
    const again = p.note(ask(1, '10.0.0.2'), 5)
    expect(again.isNew).toBe(false)
    expect(again.device).toMatchObject({ attempts: 2, firstSeen: 1, lastSeen: 5 })
  })

  it.each([
    ['ollama/0.13.1 (arm64 darwin) Go/go1.24.1', 'ollama 0.13.1 (arm64 darwin)'],
    ['curl/8.5.0', 'curl/8.5.0'],
    [`x${'\u0000\u001b'.repeat(10)}${'y'.repeat(500)}`, `x${'y'.repeat(79)}`],
    [undefined, ''],
  ])('shows the User-Agent %j as %j', (ua, shown) => {
    expect(clientOf(ua)).toBe(shown)
  })
})
