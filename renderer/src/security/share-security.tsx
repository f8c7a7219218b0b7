// The Share view's security lines: sharing paused on a network the owner has not shared on
// (with "Share on this network"), and whether keys travel encrypted.
import { useApi } from '../api/context.js'
import { useStatus } from '../live/status-context.js'
import { useAction } from '../hooks/use-resource.js'
import type { Status } from '../api/types.js'
import { Banner, ErrorText } from '../components/controls.js'
import { formatFingerprint } from './fingerprint.js'

/** Warnings these lines show themselves (the Share view leaves them out of its list). */
export function shownBySecurity(s: Status): string[] {
  return [s.network.reason, s.tls.error, ...s.tls.warnings].filter((w): w is string => !!w)
}

export function NetworkPaused({ status }: { status: Status }) {
  const api = useApi()
  const resource = useStatus()
  const here = useAction(async () => {
    await api.shareHere()
    await resource.reload()
  })
  if (!status.network.paused) return null
  return (
    <Banner tone="warning" title="Sharing is paused on this network">
      <div className="stack">
        <span>{status.network.reason}</span>
        <div className="row">
          <button
            type="button"
            className="btn btn-primary btn-sm"
            disabled={here.busy}
            onClick={() => void here.run()}
          >
            Share on this network
          </button>
          <ErrorText error={here.error} />
        </div>
      </div>
    </Banner>
  )
}

export function TransportLine({ status }: { status: Status }) {
  const tls = status.tls
  if (tls.error) {
    return (
      <Banner tone="error" title="HTTPS is not serving">
        {tls.error}
      </Banner>
    )
  }
  if (tls.fingerprint) {
    return (
      <>
        <p className="muted small" data-testid="share-fingerprint">
          HTTPS. Certificate SHA-256:{' '}
          <code className="fingerprint">{formatFingerprint(tls.fingerprint)}</code> (the QR code
          carries it, so devices can check it).
        </p>
        {tls.warnings.map((w) => (
          <Banner key={w} tone="warning">
            {w}
          </Banner>
        ))}
      </>
    )
  }
  return (
    <p className="muted small" data-testid="share-unencrypted">
      Keys are sent unencrypted on this network.{' '}
      <a className="link" href="#https">
        Turn on HTTPS
      </a>{' '}
      to keep them secret on shared Wi-Fi.
    </p>
  )
}
