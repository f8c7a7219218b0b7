// Public keys and signatures as OpenSSH and the `ollama` CLI make them: checked against
// ssh-keygen itself, so the test signer and Corral cannot agree on a private mistake.
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parsePublicKeyLine, verifierOf } from '../../gateway/device-keys/ssh-key.js'
import {
  challenge,
  parseSignedHeader,
  timestampOf,
  verifySignature,
  withoutTimestamp,
} from '../../gateway/device-keys/signature.js'
import { ReplayGuard } from '../../gateway/device-keys/replay.js'
import { readOllamaKey, signChallenge, writeOllamaKeyFiles } from '../support/ollama-cli.js'

const homes: string[] = []
function home(): string {
  const h = fs.mkdtempSync(path.join(os.tmpdir(), 'corral-sshkey-'))
  homes.push(h)
  return h
}
afterAll(() => homes.forEach((h) => fs.rmSync(h, { recursive: true, force: true })))

describe('ed25519 device keys', () => {
  it('reads a key file ssh-keygen made, and prints the fingerprint ssh-keygen prints', () => {
    const h = home()
    fs.mkdirSync(path.join(h, '.ollama'))
    const file = path.join(h, '.ollama', 'id_ed25519')
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-f', file, '-N', '', '-C', 'bob@laptop'])
    const line = fs.readFileSync(file + '.pub', 'utf8')
    const parsed = parsePublicKeyLine(line)
    const printed = execFileSync('ssh-keygen', ['-l', '-f', file + '.pub'], { encoding: 'utf8' })
    expect(printed.split(' ')[1]).toBe(parsed.fingerprint)
    expect(parsed.comment).toBe('bob@laptop')
    // The test signer reads ssh-keygen's private key file and signs what Corral verifies.
    const key = readOllamaKey(h)
    const header = signChallenge(key, 'POST,/api/chat?ts=1700000000')
    const signed = parseSignedHeader(header)!
    expect(signed.key).toBe(line.split(' ')[1])
    const ok = verifySignature(
      verifierOf(parsed.raw),
      'POST',
      '/api/chat',
      1700000000,
      signed.signature,
    )
    expect(ok).toBe(true)
  })

  it('writes the key files `ollama serve` writes, which ssh-keygen reads back', () => {
    const h = home()
    const key = writeOllamaKeyFiles(h)
    const derived = execFileSync(
      'ssh-keygen',
      ['-y', '-f', path.join(h, '.ollama', 'id_ed25519')],
      {
        encoding: 'utf8',
      },
    )
    expect(derived.trim().split(' ').slice(0, 2).join(' ')).toBe(key.publicLine)
    expect(fs.readFileSync(path.join(h, '.ollama', 'id_ed25519.pub'), 'utf8')).toBe(
      key.publicLine + '\n',
    )
  })

  it('signs exactly "METHOD,PATH?ts=N" and nothing else', () => {
    const h = home()
    const key = writeOllamaKeyFiles(h)
    const header = signChallenge(key, 'GET,/api/tags?ts=1700000000')
    // The header is `<68 chars>:<88 chars>`: wire-format key, 64-byte signature, standard base64.
    expect(header).toMatch(/^AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]{43}:[A-Za-z0-9+/]{86}==$/)
    const sig = parseSignedHeader(header)!.signature
    const v = verifierOf(key.raw)
    expect(crypto.verify(null, challenge('GET', '/api/tags', 1700000000), v, sig)).toBe(true)
    expect(verifySignature(v, 'GET', '/api/tags', 1700000000, sig)).toBe(true)
    expect(verifySignature(v, 'GET', '/api/ps', 1700000000, sig)).toBe(false)
    expect(verifySignature(v, 'POST', '/api/tags', 1700000000, sig)).toBe(false)
    expect(verifySignature(v, 'GET', '/api/tags', 1700000001, sig)).toBe(false)
  })

  it.each([
    ['ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== x', 'expected an "ssh-ed25519'],
    ['ssh-ed25519 AAAA', 'not a valid ed25519 key'],
    [`ssh-ed25519 ${Buffer.alloc(51).toString('base64')}`, 'not a valid ed25519 key'],
    ['x'.repeat(5000), 'paste one line'],
  ])('refuses %s with a message that says what to paste', (line, message) => {
    expect(() => parsePublicKeyLine(line)).toThrow(message)
  })

  it('keeps only printable characters of a comment, at most 100', () => {
    const h = home()
    const key = writeOllamaKeyFiles(h)
    const parsed = parsePublicKeyLine(`${key.publicLine} <b>\u001b[31mbob</b>${'x'.repeat(300)}`)
    expect(parsed.comment).not.toContain('\u001b')
    expect(parsed.comment.length).toBeLessThanOrEqual(100)
  })

  it('reads ts from the query and takes it off before forwarding', () => {
    expect(timestampOf('/api/tags?ts=1700000000')).toBe(1700000000)
    expect(timestampOf('/api/tags?ts=1&ts=2')).toBeNull()
    expect(timestampOf('/api/tags?ts=12abc')).toBeNull()
    expect(timestampOf('/api/tags')).toBeNull()
    expect(withoutTimestamp('/api/tags?ts=1700000000')).toBe('/api/tags')
    expect(withoutTimestamp('/v1/models?a=1&ts=5&b=2')).toBe('/v1/models?a=1&b=2')
  })
})

describe('the replay guard', () => {
  it('accepts a signature again on its own connection, never on another one', () => {
    const g = new ReplayGuard(300_000)
    const now = 1_700_000_000_000
    expect(g.check('sig', 1_700_000_000, 1, now)).toBe('ok')
    expect(g.check('sig', 1_700_000_000, 1, now)).toBe('ok')
    expect(g.check('sig', 1_700_000_000, 2, now)).toBe('replayed')
  })

  it('forgets signatures once their time is past, and stays within its bound', () => {
    const g = new ReplayGuard(1000, 3)
    const t0 = 1_700_000_000
    for (let i = 0; i < 3; i++) expect(g.check(`s${i}`, t0 + i, 1, t0 * 1000)).toBe('ok')
    // Full: the oldest goes, and every timestamp up to its own is refused from then on.
    expect(g.check('s3', t0 + 3, 1, t0 * 1000)).toBe('ok')
    expect(g.size).toBe(3)
    expect(g.check('s0', t0, 2, t0 * 1000)).toBe('crowded')
    // Much later every entry has expired.
    expect(g.check('late', t0 + 100, 1, (t0 + 100) * 1000)).toBe('ok')
    expect(g.size).toBe(1)
  })
})
