// A new key, shown once: the QR code of its connect link, the key and the link
// with copy buttons. Corral keeps only a hash, so this is the only chance.
import { useState } from 'react'
import type { CreatedKey } from '../api/types.js'
import { Banner, CopyButton, Field } from '../components/controls.js'
import { QrCode } from '../components/qr-code.js'
import { fingerprintFromHash } from '../connect/certificate-check.js'
import { formatFingerprint } from '../security/fingerprint.js'

/** The key, shown once: QR code of the connect link, the key and the link with copy buttons. */
export function KeyReveal({ created, sharing }: { created: CreatedKey; sharing: boolean }) {
  const [urlIndex, setUrlIndex] = useState(0)
  const url = created.connectUrls[urlIndex] ?? created.connectUrls[0] ?? ''
  const fingerprint = fingerprintFromHash(url.slice(url.indexOf('#')))
  return (
    <div className="stack">
      <Banner tone="warning" title="Copy the key now">
        Corral keeps only a fingerprint of it, so it cannot show it again.
      </Banner>
      {created.connectProblem ? (
        <Banner tone="error" title="No setup link or QR code">
          {created.connectProblem}
        </Banner>
      ) : null}
      {!sharing ? (
        <Banner tone="info">
          Sharing is off: the link works once you turn sharing on in Share.
        </Banner>
      ) : null}
      <div className="reveal">
        <div className="reveal-qr">
          {url ? (
            <>
              <QrCode
                text={url}
                size={196}
                label={`QR code that opens the setup page for ${created.name}`}
              />
              <p className="hint center">Scan with the phone’s camera</p>
            </>
          ) : null}
        </div>
        <div className="reveal-details stack">
          <div className="field">
            <span className="field-label" id="reveal-key-label">
              API key
            </span>
            <div className="copy-row">
              <code className="secret" aria-labelledby="reveal-key-label" data-testid="new-key">
                {created.key}
              </code>
              <CopyButton text={created.key} what="the API key" />
            </div>
          </div>
          {created.connectUrls.length > 1 ? (
            <Field
              label="Network"
              hint="This computer has more than one address; pick the one the device can reach."
            >
              {({ id, describedBy }) => (
                <select
                  id={id}
                  className="input"
                  value={urlIndex}
                  aria-describedby={describedBy}
                  onChange={(e) => setUrlIndex(Number(e.target.value))}
                >
                  {created.connectUrls.map((u, i) => (
                    <option key={u} value={i}>
                      {new URL(u).host}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : null}
          {url ? (
            <div className="field">
              <span className="field-label" id="reveal-url-label">
                Setup link
              </span>
              <div className="copy-row">
                <code
                  className="secret small"
                  aria-labelledby="reveal-url-label"
                  data-testid="connect-url"
                >
                  {url}
                </code>
                <CopyButton text={url} what="the setup link" />
              </div>
              <span className="field-hint">
                Opens a page with the addresses and ready-made settings for Open WebUI, Aider, the
                OpenAI SDK, curl and more.
              </span>
            </div>
          ) : null}
          {fingerprint ? <PhoneWillWarn fingerprint={fingerprint} /> : null}
        </div>
      </div>
    </div>
  )
}

/** HTTPS with a certificate no public authority signed: what the phone shows first. */
function PhoneWillWarn({ fingerprint }: { fingerprint: string }) {
  return (
    <div className="field" data-testid="phone-will-warn">
      <span className="field-label">What the phone will show</span>
      <span className="field-hint">
        With Corral’s own certificate the phone’s browser first says “Your connection is not
        private”: no public authority signed it. Tap <b>Advanced</b>, then <b>Proceed</b>; the page
        then explains how to trust it for good. To be sure it reached this computer, the fingerprint
        in the warning’s details should read:
      </span>
      <code className="secret small" data-testid="phone-fingerprint">
        {formatFingerprint(fingerprint)}
      </code>
    </div>
  )
}
