// The key check every gateway route (but /connect) goes through.
import type { IncomingHttpHeaders } from 'node:http'
import type { Scope } from '../config/schema.js'
import type { ErrorCode } from '../errors.js'
import { keyFromHeaders } from './headers.js'
import type { CompiledKey, KeyIndex } from './keys.js'

/** What the key check reads of a request: Fastify's and node:http's requests both fit. */
export interface KeyedRequest {
  headers: IncomingHttpHeaders
  rawHeaders: string[]
}

/**
 * What the key check reads and sets of a request's state: the proxy's RequestState
 * (proxy/context.ts) is one. Said here, below the proxy, so auth/ never imports it back.
 */
export interface KeyCheckState {
  readonly snapshot: {
    readonly config: { readonly auth: { readonly headerName: string } }
    readonly keys: Pick<KeyIndex, 'check'>
    keyAllowedFrom(key: CompiledKey, ip: string): boolean
  }
  readonly clientIp: string
  key: CompiledKey | null
}

/**
 * Find and check the request's key; on success it is set on `state.key`.
 * Unknown, revoked and expired keys get the same answer, so a status code
 * tells an attacker nothing about which keys exist.
 */
export function authenticate(
  request: KeyedRequest,
  state: KeyCheckState,
  scope: Scope,
  now: number,
): ErrorCode | null {
  const snapshot = state.snapshot
  if (countHeader(request.rawHeaders, 'authorization') > 1) return 'CORRAL_ERR_BAD_KEY'
  const presented = keyFromHeaders(request.headers, snapshot.config.auth.headerName)
  if (!presented.ok)
    return presented.reason === 'missing' ? 'CORRAL_ERR_NO_KEY' : 'CORRAL_ERR_BAD_KEY'
  const checked = snapshot.keys.check(presented.key, now)
  if (!checked.ok) return 'CORRAL_ERR_BAD_KEY'
  state.key = checked.key
  // After the key (so the refusal is recorded under its name) and on the address the access
  // check judged: the X-Forwarded-For hop when the peer is a trusted proxy.
  if (!snapshot.keyAllowedFrom(checked.key, state.clientIp)) return 'CORRAL_ERR_SUBNET'
  if (!checked.key.scopes.has(scope)) return 'CORRAL_ERR_SCOPE'
  return null
}

/** Node keeps only the first Authorization header; two of them must not pass silently. */
function countHeader(raw: string[], name: string): number {
  let n = 0
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) n += 1
  }
  return n
}
