// A signed request from the `ollama` CLI (signature.ts) checked: its timestamp within the
// window, its signature against the enrolled key, the replay guard; an unknown key that
// proves it holds its private half is noted for the owner to allow or deny.
import type { IncomingHttpHeaders } from 'node:http'
import { CorralError } from '../errors.js'
import type { DeviceIndex } from './compiled.js'
import { ReplayGuard } from './replay.js'
import { isSignedHeader, parseSignedHeader, timestampOf, verifySignature } from './signature.js'
import { fromWireBase64, publicKeyLine, verifierOf } from './ssh-key.js'
import { deniedText, gatewayUrl, pendingText } from './messages.js'

/** How far a signed request's `ts` may be from Corral's clock, either way. */
export const DEVICE_WINDOW_MS = 5 * 60_000

/** A device nobody enrolled, with a valid signature: for the owner to decide. */
export interface DeviceAsk {
  publicKey: string
  fingerprint: string
  userAgent: string | undefined
  address: string
}

/**
 * The state device checks keep across config reloads: the replay guard, and where unknown
 * devices go (the Corral's pending list, or a cluster worker's message to its primary).
 */
export class DeviceGate {
  readonly replay = new ReplayGuard(DEVICE_WINDOW_MS)
  constructor(private readonly onAsk: (ask: DeviceAsk) => { id: string } | null) {}

  ask(a: DeviceAsk): { id: string } | null {
    return this.onAsk(a)
  }
}

export interface DeviceRequest {
  method?: string
  headers: IncomingHttpHeaders
  socket?: object & { encrypted?: boolean }
}

export type DeviceCheck =
  { ok: true; keyId: string; fingerprint: string; name: string } | { ok: false; error: CorralError }

export { isSignedHeader }

export function checkDevice(
  gate: DeviceGate,
  index: DeviceIndex,
  req: DeviceRequest,
  routedUrl: string,
  ctx: { basePath: string; clientIp: string; now: number },
): DeviceCheck {
  const bad = (message: string) => ({
    ok: false as const,
    error: new CorralError('CORRAL_ERR_SIGNATURE', { message, extra: { status: message } }),
  })
  const signed = parseSignedHeader(String(req.headers.authorization))
  const key = signed && fromWireBase64(signed.key)
  if (!signed || !key) return bad('the Authorization header is not an ed25519 device signature')
  const ts = timestampOf(routedUrl)
  if (ts === null) return bad('a signed request needs its ?ts= (unix seconds)')
  const skewMs = ctx.now - ts * 1000
  if (Math.abs(skewMs) > DEVICE_WINDOW_MS) {
    const minutes = Math.round(Math.abs(skewMs) / 60_000)
    return bad(
      `this computer's clock is ${minutes} min ${skewMs > 0 ? 'behind' : 'ahead of'} Corral's; ` +
        'set it right (a signature is accepted for 5 minutes)',
    )
  }
  const method = req.method ?? 'GET'
  const q = routedUrl.indexOf('?')
  const path = q === -1 ? routedUrl : routedUrl.slice(0, q)
  const enrolled = index.find(key.base64)
  const verifier = enrolled?.verifier ?? verifierOf(key.raw)
  if (!verifySignature(verifier, method, path, ts, signed.signature)) {
    return bad(`the signature does not match ${method} ${path.slice(0, 100)}`)
  }
  if (enrolled !== undefined) {
    const connection = req.socket ? gate.replay.connectionId(req.socket) : 0
    const verdict = gate.replay.check(signed.signatureText, ts, connection, ctx.now)
    if (verdict === 'replayed') {
      return bad('this signed request was already used on another connection; send it again')
    }
    if (verdict === 'crowded') return bad('too many signed requests at once; send it again')
    return {
      ok: true,
      keyId: enrolled.keyId,
      fingerprint: enrolled.fingerprint,
      name: enrolled.name,
    }
  }
  if (index.isDenied(key.fingerprint)) {
    const message = deniedText(key.fingerprint)
    return { ok: false, error: new CorralError('CORRAL_ERR_DEVICE_DENIED', { message }) }
  }
  const asked = gate.ask({
    publicKey: publicKeyLine(key),
    fingerprint: key.fingerprint,
    userAgent: req.headers['user-agent'],
    address: ctx.clientIp,
  })
  const url = gatewayUrl(req.headers, req.socket?.encrypted === true, ctx.basePath)
  const message = pendingText(url, key.fingerprint)
  const extra: Record<string, string> = { status: message }
  extra.signin_url = `${url}/connect/device${asked ? `?id=${asked.id}` : ''}`
  return { ok: false, error: new CorralError('CORRAL_ERR_DEVICE_UNKNOWN', { message, extra }) }
}
