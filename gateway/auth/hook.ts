// The key check every gateway route (but /connect) goes through.
import type { IncomingHttpHeaders } from 'node:http'
import type { Scope } from '../config/schema.js'
import { CorralError } from '../errors.js'
import { keyFromHeaders } from './headers.js'
import type { CompiledKey, KeyIndex } from './keys.js'
import { checkDevice, isSignedHeader, type DeviceGate } from '../device-keys/gate.js'
import type { DeviceIndex } from '../device-keys/compiled.js'
import { gatewayUrl, isOllamaCli, unsignedCliText } from '../device-keys/messages.js'

/** What the key check reads of a request: Fastify's and node:http's requests both fit. */
export interface KeyedRequest {
  headers: IncomingHttpHeaders
  rawHeaders: string[]
  method?: string
  socket?: object & { encrypted?: boolean }
}

/**
 * What the key check reads and sets of a request's state: the proxy's RequestState
 * (proxy/context.ts) is one. Said here, below the proxy, so auth/ never imports it back.
 */
export interface KeyCheckState {
  readonly snapshot: {
    readonly config: { readonly auth: { readonly headerName: string } }
    readonly keys: Pick<KeyIndex, 'check' | 'byId'>
    readonly deviceGate: DeviceGate | null
    readonly devices: DeviceIndex
    readonly basePath: string
    keyAllowedFrom(key: CompiledKey, ip: string): boolean
  }
  readonly clientIp: string
  key: CompiledKey | null
  /** The device key's fingerprint, when a signed request was checked (device-keys/). */
  device: string | null
}

/**
 * Find and check the request's key; on success it is set on `state.key`.
 * Unknown, revoked and expired keys get the same answer, so a status code
 * tells an attacker nothing about which keys exist. The one exception is an expired guest
 * key: it is made to expire, and its holder learns only what its QR code already said. `routedUrl` (the path and query
 * the router matched, base path stripped) lets a request signed by the `ollama` CLI
 * (gateway/device-keys/) be checked; without it such a request is refused.
 */
export function authenticate(
  request: KeyedRequest,
  state: KeyCheckState,
  scope: Scope,
  now: number,
  routedUrl?: string,
): CorralError | null {
  const snapshot = state.snapshot
  if (countHeader(request.rawHeaders, 'authorization') > 1)
    return new CorralError('CORRAL_ERR_BAD_KEY')
  const auth = request.headers.authorization
  if (routedUrl !== undefined && snapshot.deviceGate !== null && isSignedHeader(auth)) {
    const device = checkDevice(snapshot.deviceGate, snapshot.devices, request, routedUrl, {
      basePath: snapshot.basePath,
      clientIp: state.clientIp,
      now,
    })
    if (!device.ok) return device.error
    const key = snapshot.keys.byId(device.keyId)
    if (key === undefined || !key.usable(now)) {
      return new CorralError('CORRAL_ERR_BAD_KEY', {
        message: `the key this device belongs to is revoked or expired`,
      })
    }
    state.key = key
    state.device = device.fingerprint
  } else {
    const presented = keyFromHeaders(request.headers, snapshot.config.auth.headerName)
    if (!presented.ok) {
      if (presented.reason === 'missing') return missingKey(request, snapshot.basePath)
      return new CorralError('CORRAL_ERR_BAD_KEY')
    }
    const checked = snapshot.keys.check(presented.key, now)
    if (!checked.ok) {
      if (checked.reason === 'guest-expired') return guestExpired(checked.expiresAt)
      return new CorralError('CORRAL_ERR_BAD_KEY')
    }
    state.key = checked.key
  }
  // After the key (so the refusal is recorded under its name) and on the address the access
  // check judged: the X-Forwarded-For hop when the peer is a trusted proxy.
  if (!snapshot.keyAllowedFrom(state.key, state.clientIp))
    return new CorralError('CORRAL_ERR_SUBNET')
  if (!state.key.scopes.has(scope)) return new CorralError('CORRAL_ERR_SCOPE')
  return null
}

/** A guest key past its end: say when it ended and what to do. */
function guestExpired(expiresAt: string): CorralError {
  const when = expiresAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')
  return new CorralError('CORRAL_ERR_GUEST_EXPIRED', {
    message: `this guest key expired at ${when}: ask the owner for a new one (a new QR code)`,
  })
}

/** No key at all; the stock `ollama` CLI is told the two lines that make it sign. */
function missingKey(request: KeyedRequest, basePath: string): CorralError {
  if (!isOllamaCli(request.headers)) return new CorralError('CORRAL_ERR_NO_KEY')
  const url = gatewayUrl(request.headers, request.socket?.encrypted === true, basePath)
  const message = unsignedCliText(url)
  return new CorralError('CORRAL_ERR_NO_KEY', {
    message,
    extra: { status: message, signin_url: `${url}/connect/device` },
  })
}

/** Node keeps only the first Authorization header; two of them must not pass silently. */
function countHeader(raw: string[], name: string): number {
  let n = 0
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) n += 1
  }
  return n
}
