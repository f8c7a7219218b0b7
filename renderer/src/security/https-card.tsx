// Settings → HTTPS: the TLS mode, the owner's certificate files, plain HTTP on a port of its
// own, and what is served now (fingerprint, validity, names, errors and warnings).
import { useEffect, useState } from 'react'
import { useStatus } from '../live/status-context.js'
import { useAction } from '../hooks/use-resource.js'
import type { Settings, TlsMode, TlsSettings } from '../api/types.js'
import { Banner, Card, CopyButton, ErrorText, Field } from '../components/controls.js'
import { formatFingerprint } from './fingerprint.js'
import { useActivity } from '../owner/use-activity.js'
import { AppliedBanner, breaksPlainClients, ConfirmHttps, useApplyTls } from './https-apply.js'

const MODES: Array<{ mode: TlsMode; label: string }> = [
  { mode: 'off', label: 'Off: plain HTTP (keys are sent unencrypted)' },
  { mode: 'self-signed', label: 'On, with a certificate Corral makes' },
  { mode: 'files', label: 'On, with my own certificate files' },
]

export function HttpsCard({
  settings,
  onSaved,
}: {
  settings: Settings
  onSaved: (s: Settings) => void
}) {
  const status = useStatus()
  const saved = settings.server.tls
  const [form, setForm] = useState<TlsSettings>(saved)
  const [plainText, setPlainText] = useState(plainTextOf(saved))
  // When what is saved changes, the form starts again from it. This happens during render,
  // not in an effect: an effect from the first render could land after the owner's first
  // change and quietly undo it.
  const savedKey = JSON.stringify(saved)
  const [formOfKey, setFormOfKey] = useState(savedKey)
  if (formOfKey !== savedKey) {
    setFormOfKey(savedKey)
    setForm(saved)
    setPlainText(plainTextOf(saved))
  }
  const applying = useApplyTls(onSaved)
  const save = useAction(async (tls: TlsSettings) => {
    setConfirming(false)
    await applying.apply(tls)
  })
  const [confirming, setConfirming] = useState(false)
  const owner = useActivity()
  // "Turn on HTTPS" links (#https) land here.
  useEffect(() => {
    const show = () => {
      if (window.location.hash === '#https') document.getElementById('https')?.scrollIntoView()
    }
    show()
    window.addEventListener('hashchange', show)
    return () => window.removeEventListener('hashchange', show)
  }, [])
  const plainPort = plainText.trim() === '' ? null : Number(plainText)
  const next: TlsSettings = { ...form, plainPort }
  const dirty = JSON.stringify(next) !== JSON.stringify(saved)
  const tls = status.data?.tls
  const cert = tls?.certificate

  return (
    <Card title="HTTPS" id="https">
      <div className="stack">
        <Field label="Encryption" hint="HTTPS keeps keys secret on café and conference networks.">
          {({ id, describedBy }) => (
            <select
              id={id}
              className="input"
              value={form.mode}
              aria-describedby={describedBy}
              onChange={(e) => setForm({ ...form, mode: e.target.value as TlsMode })}
            >
              {MODES.map((m) => (
                <option key={m.mode} value={m.mode}>
                  {m.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {form.mode === 'files' ? (
          <div className="grid-2">
            <PathField
              label="Certificate file (PEM)"
              value={form.certFile}
              onChange={(v) => setForm({ ...form, certFile: v })}
            />
            <PathField
              label="Key file (PEM)"
              value={form.keyFile}
              onChange={(v) => setForm({ ...form, keyFile: v })}
            />
          </div>
        ) : null}
        {form.mode !== 'off' ? (
          <Field
            label="Plain HTTP port (optional)"
            hint="For clients that cannot trust a certificate. Keys sent there are not encrypted."
          >
            {({ id, describedBy }) => (
              <input
                id={id}
                className="input mono"
                type="number"
                min={0}
                max={65535}
                placeholder="None"
                value={plainText}
                aria-describedby={describedBy}
                onChange={(e) => setPlainText(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        {tls?.error ? (
          <Banner tone="error" title="The certificate cannot be used">
            {tls.error}
          </Banner>
        ) : null}
        {(tls?.warnings ?? []).map((w) => (
          <Banner key={w} tone="warning">
            {w}
          </Banner>
        ))}
        {cert ? (
          <div className="field" data-testid="tls-certificate">
            <span className="field-label">SHA-256 fingerprint (what teammates compare)</span>
            <div className="copy-row">
              <code className="secret" data-testid="tls-fingerprint">
                {formatFingerprint(cert.fingerprint)}
              </code>
              <CopyButton text={formatFingerprint(cert.fingerprint)} what="the fingerprint" />
            </div>
            <span className="muted small">
              {cert.source === 'self-signed' ? 'Made by Corral' : 'Your certificate'}, valid until{' '}
              {new Date(cert.notAfter).toLocaleDateString()} for{' '}
              {[...cert.dnsNames, ...cert.ipAddresses].join(', ')}.
            </span>
          </div>
        ) : null}
        <ErrorText error={save.error} />
        {confirming ? (
          <ConfirmHttps
            activity={owner.activity}
            onConfirm={() => void save.run(next)}
            onCancel={() => setConfirming(false)}
          />
        ) : null}
        {applying.applied && !dirty ? (
          <AppliedBanner status={applying.applied} onDismiss={applying.clear} />
        ) : null}
        <div className="row">
          <button
            type="button"
            className="btn btn-primary"
            disabled={!dirty || save.busy || (plainPort !== null && !Number.isInteger(plainPort))}
            onClick={() =>
              breaksPlainClients(saved, next) ? setConfirming(true) : void save.run(next)
            }
          >
            {save.busy ? 'Applying…' : 'Apply HTTPS settings'}
          </button>
          <span className="muted small">Sharing restarts with the new settings.</span>
        </div>
      </div>
    </Card>
  )
}

function PathField({
  label,
  value,
  onChange,
}: {
  label: string
  value: string
  onChange: (v: string) => void
}) {
  return (
    <Field label={label}>
      {({ id }) => (
        <input
          id={id}
          className="input mono"
          placeholder="/etc/corral/cert.pem"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  )
}

function plainTextOf(tls: TlsSettings): string {
  return tls.plainPort === null ? '' : String(tls.plainPort)
}
