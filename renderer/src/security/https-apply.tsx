// Applying Settings → HTTPS (issue 27): who is connected now is told before HTTPS goes on
// (their http:// addresses stop working), and after Apply the card waits for the listener to
// restart and shows the new addresses at once, with a clear confirmation.
import { useCallback, useState } from 'react'
import { useApi } from '../api/context.js'
import { useStatus } from '../live/status-context.js'
import type { Activity, Settings, Status, TlsSettings } from '../api/types.js'
import { Banner } from '../components/controls.js'

const SETTLE_TRIES = 24
const SETTLE_STEP_MS = 250

/** The listener restarts after the save: the status that shows the new mode (or its error). */
function settled(s: Status, tls: TlsSettings): boolean {
  if (s.tls.mode !== tls.mode) return false
  if (s.tls.error) return true
  return tls.mode === 'off' ? s.tls.scheme === 'http' : s.tls.scheme === 'https' || !s.sharing
}

export function useApplyTls(onSaved: (s: Settings) => void) {
  const api = useApi()
  const status = useStatus()
  const [applied, setApplied] = useState<Status | null>(null)
  const apply = useCallback(
    async (tls: TlsSettings) => {
      setApplied(null)
      onSaved(await api.updateSettings({ server: { tls } }))
      let s = await api.status()
      for (let i = 0; i < SETTLE_TRIES && !settled(s, tls); i++) {
        await new Promise((r) => setTimeout(r, SETTLE_STEP_MS))
        s = await api.status()
      }
      status.set(s)
      setApplied(s)
    },
    [api, onSaved, status],
  )
  return { applied, apply, clear: () => setApplied(null) }
}

/** HTTPS going on (or the plain port going away) breaks whoever uses http:// now. */
export function breaksPlainClients(saved: TlsSettings, next: TlsSettings): boolean {
  const plainBefore = saved.mode === 'off' || saved.plainPort !== null
  const plainAfter = next.mode === 'off' || next.plainPort !== null
  return plainBefore && !plainAfter
}

export function ConfirmHttps({
  activity,
  onConfirm,
  onCancel,
}: {
  activity: Activity | null
  onConfirm: () => void
  onCancel: () => void
}) {
  const names = [...new Set((activity?.keys ?? []).map((k) => k.keyName))]
  return (
    <div data-testid="https-confirm">
      <Banner tone="warning" title="Devices on http:// addresses will stop working">
        <p>
          {names.length > 0
            ? `In use right now: ${names.join(', ')}. `
            : 'Nobody is using Corral right now. '}
          Every device set up with an <code>http://</code> address gets a message naming the new{' '}
          <code>https://</code> address until it is changed; phones scanning a new QR code are set
          up for HTTPS. Requests running now finish first.
        </p>
        <div className="row">
          <button type="button" className="btn btn-primary" onClick={onConfirm}>
            Turn on HTTPS
          </button>
          <button type="button" className="btn" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </Banner>
    </div>
  )
}

export function AppliedBanner({ status, onDismiss }: { status: Status; onDismiss: () => void }) {
  const https = status.tls.scheme === 'https'
  return (
    <div data-testid="https-applied">
      <Banner
        tone={status.tls.error ? 'error' : 'success'}
        title={
          status.tls.error
            ? 'Saved, but HTTPS is not serving'
            : https
              ? 'HTTPS is on'
              : 'HTTPS is off'
        }
        onDismiss={onDismiss}
      >
        {status.urls.length > 0 ? (
          <>
            Teammates connect at{' '}
            {status.urls.map((u, i) => (
              <span key={u}>
                {i > 0 ? ', ' : ''}
                <code>{u}</code>
              </span>
            ))}
            .
          </>
        ) : (
          'Sharing is off: no address yet.'
        )}
      </Banner>
    </div>
  )
}
