// The connect links of a new key (what its QR code encodes). The key travels in the link's
// fragment, so the link must never be plain http:// while HTTPS is on: before, a certificate
// that failed to load plus a configured plain port gave `http://.../connect#key=...`, and the
// key crossed the LAN in the clear when the page it opened sent it. Now there is no link then,
// and the control API and the UI say what is wrong.
import { lanUrls } from '../util/lan.js'
import { connectFragment } from './status.js'

export interface ConnectLinkInput {
  key: string
  /** The address the LAN listener binds (0.0.0.0: one link per interface). */
  host: string
  tlsMode: 'off' | 'self-signed' | 'files'
  /** The LAN listener's port (the HTTPS one when HTTPS is on). */
  port: number
  /** The fingerprint of the certificate HTTPS serves; null when it has none to serve. */
  fingerprint: string | null
  /** Why the certificate could not be used, as the TLS status says it. */
  tlsError: string | null
}

export interface ConnectLinks {
  urls: string[]
  /** Why there is no link, with what to do; null when there are links. */
  problem: string | null
}

export function connectLinks(input: ConnectLinkInput): ConnectLinks {
  const { key, host, port } = input
  if (input.tlsMode === 'off') {
    return {
      urls: lanUrls(host, port).map((u) => `${u}/connect${connectFragment(key, null)}`),
      problem: null,
    }
  }
  if (input.fingerprint === null) {
    const why = (input.tlsError ?? 'the certificate is not loaded').replace(/\.\s*$/, '')
    return {
      urls: [],
      problem:
        `HTTPS is on but its certificate cannot be used (${why.slice(0, 300)}), so there is no ` +
        'connect link or QR code: one over plain http:// would send the key unencrypted. ' +
        'Fix the certificate in Settings (HTTPS) or turn HTTPS off, then copy the key by hand or make a new one.',
    }
  }
  const fragment = connectFragment(key, input.fingerprint)
  return { urls: lanUrls(host, port, 'https').map((u) => `${u}/connect${fragment}`), problem: null }
}
