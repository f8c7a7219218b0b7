// Share: sharing on or off, where teammates connect, "Add a device", backend
// health at a glance and the warnings that matter (an exposed local Ollama).
import { useEffect, useState } from 'react'
import { useApi } from '../api/context.js'
import { useStatus } from '../live/status-context.js'
import { useLive } from '../live/live-context.js'
import { useAction } from '../hooks/use-resource.js'
import {
  Banner,
  Card,
  CopyButton,
  ErrorText,
  PageHeader,
  StatusDot,
  Switch,
} from '../components/controls.js'
import { KeyDialog } from './key-dialog.js'
import { ICONS } from '../components/icons.js'
import { formatDuration, formatRate } from '../format.js'
import type { Backend } from '../api/types.js'
import { WhoIsUsing } from '../owner/live-table.js'
import { NetworkPaused, shownBySecurity, TransportLine } from '../security/share-security.js'
import { OllamaDownBanner, ollamaMissing } from '../ollama/ollama-down.js'

export function ShareView() {
  const api = useApi()
  const status = useStatus()
  const live = useLive()
  const [adding, setAdding] = useState(false)
  // The tray's "Add a device" (and a link to #add-device) opens the dialog here.
  useEffect(() => {
    const check = () => {
      if (window.location.hash !== '#add-device') return
      history.replaceState(history.state, '', '#share')
      setAdding(true)
    }
    check()
    window.addEventListener('hashchange', check)
    return () => window.removeEventListener('hashchange', check)
  }, [])
  const toggle = useAction(async (on: boolean) => status.set(await api.setSharing(on)))
  const s = status.data

  if (!s) {
    return (
      <>
        <PageHeader title="Share" />
        {status.error ? (
          <Banner tone="error">{status.error}</Banner>
        ) : (
          <div className="skeleton-page" aria-busy="true" />
        )}
      </>
    )
  }

  const exposure = s.warnings.find((w) => /listen(s)? on all interfaces/i.test(w))
  const security = shownBySecurity(s)
  const others = s.warnings.filter(
    (w) => w !== exposure && !security.includes(w) && !(s.ollama.message ?? '').includes(w),
  )
  const snapshot = live.snapshot ?? s.live
  return (
    <>
      <PageHeader
        title="Share"
        description="Let people on your network use this computer’s Ollama, each with their own key."
      />
      <div className="stack-lg">
        <OllamaDownBanner status={s} />
        {s.localOllamaExposed ? (
          <Banner tone="warning" title="Ollama is open to the whole network">
            {exposure ??
              'The local Ollama listens on all interfaces: anyone on the LAN can use it without a key.'}
          </Banner>
        ) : null}
        {status.error ? <Banner tone="error">{status.error}</Banner> : null}
        <NetworkPaused status={s} />

        <Card className="share-hero">
          <Switch
            checked={s.sharing}
            busy={toggle.busy}
            onChange={(on) => void toggle.run(on)}
            label="Share on the LAN"
            description={
              !s.sharing
                ? 'Off: only this computer can reach Corral.'
                : ollamaMissing(s)
                  ? 'On, but Ollama is not running: teammates can connect and are told so.'
                  : 'On: people with a key can connect from your network.'
            }
          />
          <ErrorText error={toggle.error} />
          <div className="share-urls" aria-live="polite">
            {s.sharing && s.urls.length > 0 ? (
              <ul className="url-list" aria-label="Addresses on your network">
                {s.urls.map((u) => (
                  <li key={u} className="copy-row">
                    <code className="url">{u}</code>
                    <CopyButton text={u} what={u} />
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">Turn sharing on to get an address teammates can use.</p>
            )}
          </div>
          <TransportLine status={s} />
          <div className="share-cta">
            <button
              type="button"
              className="btn btn-primary btn-lg"
              onClick={() => setAdding(true)}
            >
              {ICONS.plus} Add a device
            </button>
            <span className="muted">Creates a key and a QR code that sets the device up.</span>
          </div>
        </Card>

        <div className="grid-3">
          <Stat label="Keys in use" value={`${s.keys.active}`} sub={`${s.keys.total} in total`} />
          <Stat
            label="Requests per second"
            value={formatRate(snapshot.rps)}
            sub={`${snapshot.inFlight} in flight`}
          />
          <Stat
            label="Tokens per second"
            value={formatRate(snapshot.tps)}
            sub={`${snapshot.queueDepth} waiting`}
          />
        </div>

        <WhoIsUsing />

        <Card
          title="Backends"
          actions={
            <a className="link" href="#backends">
              Manage
            </a>
          }
        >
          <BackendList backends={s.backends} />
        </Card>

        {others.map((w) => (
          <Banner key={w} tone="warning">
            {w}
          </Banner>
        ))}
      </div>
      {adding ? (
        <KeyDialog
          title="Add a device"
          simple
          defaultName=""
          sharing={s.sharing}
          onClose={() => setAdding(false)}
          onCreated={() => void status.reload()}
        />
      ) : null}
    </>
  )
}

function Stat({ label, value, sub }: { label: string; value: string; sub: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      <span className="stat-sub">{sub}</span>
    </div>
  )
}

const STATE_TEXT: Record<Backend['state'], string> = {
  up: 'Healthy',
  down: 'Not answering',
  unknown: 'Checking…',
  disabled: 'Turned off',
}

export function BackendList({ backends }: { backends: Backend[] }) {
  if (backends.length === 0) return <p className="muted">No backends yet. Add one in Backends.</p>
  return (
    <ul className="health-list">
      {backends.map((b) => (
        <li key={b.id} className="health-row">
          <StatusDot state={b.state} />
          <span className="health-name">
            {b.name}
            <span className="health-url">{b.url}</span>
          </span>
          <span className={`health-state state-${b.state}`}>{STATE_TEXT[b.state]}</span>
          <span className="health-num">{b.state === 'up' ? formatDuration(b.latencyMs) : '–'}</span>
          <span className="health-num">
            {b.models.length} model{b.models.length === 1 ? '' : 's'}
          </span>
        </li>
      ))}
    </ul>
  )
}
