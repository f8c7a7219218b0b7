// DNS-SD naming and TXT rules for `_ollama._tcp`, and how a heard service becomes a Candidate.

import net from 'node:net'
import os from 'node:os'
import type { Service } from 'bonjour-service'
import type { Candidate } from './types.js'

/** bonjour-service's `type` for `_ollama._tcp`. */
export const SERVICE_TYPE = 'ollama'
/** The name browsed (PTR) for every `_ollama._tcp` instance on the link. */
export const BROWSE_NAME = '_ollama._tcp.local'
/** A DNS label (an instance name, a host name's first part) holds at most 63 bytes. */
const MAX_LABEL_BYTES = 63
/** A TXT string holds at most 255 bytes, `key=` included. */
const MAX_TXT_VALUE_BYTES = 200

/**
 * The TXT record every Corral gateway publishes (DESIGN.md, "mDNS"). `scheme` says what the
 * port speaks; with `https`, `fp` is the certificate's SHA-256 (64 hex characters) so a
 * client that finds the gateway can pin the certificate it is about to trust.
 */
export function corralTxt(
  version: string,
  tls: { scheme?: 'http' | 'https'; fingerprint?: string | null } = {},
): Record<string, string> {
  const txt: Record<string, string> = {
    auth: 'key',
    app: 'corral',
    version: truncateUtf8(version, MAX_TXT_VALUE_BYTES),
    api: 'ollama,openai',
    scheme: tls.scheme ?? 'http',
  }
  if (tls.scheme === 'https' && tls.fingerprint) txt.fp = tls.fingerprint
  return txt
}

/**
 * The instance name to publish on the `attempt`-th try: `name`, then `name (2)`, `name (3)`...
 * Dots become dashes (bonjour-service cannot escape them) and the label is kept within 63 bytes.
 */
export function instanceName(name: string, attempt = 1): string {
  const base = name.trim().replaceAll('.', '-') || 'Corral'
  const suffix = attempt > 1 ? ` (${attempt})` : ''
  return truncateUtf8(base, MAX_LABEL_BYTES - Buffer.byteLength(suffix)) + suffix
}

export function instanceFqdn(name: string): string {
  return `${name}.${BROWSE_NAME}`
}

/**
 * The SRV target we publish, with A/AAAA records of our own: `corral-<host name>.local` by
 * default. Not the computer's own `<host name>.local`: avahi, systemd-resolved and mDNSResponder
 * own that name, and a second responder answering for it with a different set of addresses
 * (a Docker bridge, a VPN) makes them see a conflict and rename the computer.
 * An explicit `host` is used as given (`studio`, `studio.example.com` -> `studio.local`).
 */
export function advertisedHostName(host?: string): string {
  if (host !== undefined && host.trim() !== '') return `${hostLabel(host) || 'corral'}.local`
  const label = `corral-${hostLabel(os.hostname())}`.slice(0, MAX_LABEL_BYTES).replace(/-+$/, '')
  return `${label}.local`
}

/** The first label of a host name, as lower-case letters, digits and dashes. */
function hostLabel(host: string): string {
  return (host.trim().toLowerCase().split('.')[0] ?? '')
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, MAX_LABEL_BYTES)
    .replace(/^-+|-+$/g, '')
}

/** DNS names compare case-insensitively and ignore a trailing dot. */
export function sameName(a: string, b: string): boolean {
  return a.replace(/\.$/, '').toLowerCase() === b.replace(/\.$/, '').toLowerCase()
}

export function toCandidate(service: Service, lastSeen: number): Candidate {
  const txt = readTxt(service.txt)
  const sender = service.referer?.address
  const announced = (service.addresses ?? []).filter((a) => net.isIP(a) !== 0)
  const addresses = announced.length > 0 ? announced : sender ? [sender] : []
  const api = txt.get('api')
  return {
    name: service.name,
    host: service.host,
    addresses,
    port: service.port,
    // Another Corral with TLS on says so (`scheme=https`); a plain Ollama says nothing.
    url: `${txt.get('scheme')?.toLowerCase() === 'https' ? 'https' : 'http'}://${formatHost(bestAddress(addresses, sender) ?? service.host)}:${service.port}`,
    needsKey: txt.get('auth')?.toLowerCase() === 'key',
    app: txt.get('app') ?? null,
    version: txt.get('version') ?? null,
    apis: api === undefined ? ['ollama'] : splitList(api),
    lastSeen,
  }
}

/**
 * The address most likely to work from here: the one the announcement came from (a host with
 * Docker or VPN interfaces announces those too), else IPv4, else routable IPv6. Link-local IPv6
 * needs a zone the records do not carry, so it is the last resort.
 */
export function bestAddress(addresses: string[], sender?: string): string | undefined {
  if (sender !== undefined && addresses.includes(sender)) return sender
  return (
    addresses.find((a) => net.isIPv4(a)) ??
    addresses.find((a) => net.isIPv6(a) && !/^fe[89ab]/i.test(a)) ??
    sender ??
    addresses[0]
  )
}

function formatHost(address: string): string {
  return net.isIPv6(address) ? `[${address}]` : address
}

/** TXT keys are case-insensitive (RFC 6763 §6.4); bonjour-service keeps them as sent. */
function readTxt(txt: unknown): Map<string, string> {
  const out = new Map<string, string>()
  if (typeof txt !== 'object' || txt === null) return out
  for (const [key, value] of Object.entries(txt)) {
    const k = key.toLowerCase()
    if (out.has(k)) continue
    if (typeof value === 'string') out.set(k, value)
    else if (Buffer.isBuffer(value)) out.set(k, value.toString('utf8'))
  }
  return out
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0)
}

/** Cuts `s` to at most `maxBytes` of UTF-8 without splitting a character. */
function truncateUtf8(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s
  let out = ''
  for (const ch of s) {
    if (Buffer.byteLength(out + ch) > maxBytes) break
    out += ch
  }
  return out
}
