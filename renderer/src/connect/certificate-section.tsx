// The connect page's certificate section: verified, mismatch or compare-by-hand, the
// certificate to download and how each kind of client trusts it.
import { CopyButton } from '../components/controls.js'
import { formatFingerprint } from '../security/fingerprint.js'
import { trustSteps } from './trust.js'
import type { CertCheck } from './certificate-check.js'

export function CertificateSection({ origin, check }: { origin: string; check: CertCheck }) {
  if (check.state === 'checking') return null
  if (check.state === 'plain') {
    return (
      <div className="banner banner-warning" role="status" data-testid="cert-plain">
        <span className="banner-icon" aria-hidden="true">
          !
        </span>
        <div className="banner-body">
          <strong className="banner-title">Not encrypted</strong>
          <span>This gateway speaks plain HTTP: keys are sent unencrypted on this network.</span>
        </div>
      </div>
    )
  }
  if (check.state === 'error') {
    return (
      <div className="banner banner-error" role="alert" data-testid="cert-error">
        <span className="banner-icon" aria-hidden="true">
          !
        </span>
        <div className="banner-body">
          <strong className="banner-title">Certificate not checked</strong>
          <span>{check.message}</span>
        </div>
      </div>
    )
  }
  const fp = formatFingerprint(check.fingerprint)
  const steps = trustSteps(origin, check.fingerprint)
  return (
    <section
      className="card stack"
      aria-labelledby="certificate"
      data-testid="cert-section"
      data-state={check.state}
    >
      <h2 id="certificate" className="card-title">
        Certificate
      </h2>
      {check.state === 'verified' ? (
        <div className="banner banner-success" data-testid="cert-verified">
          <span className="banner-icon" aria-hidden="true">
            ✓
          </span>
          <div className="banner-body">
            <strong className="banner-title">The QR code’s fingerprint matches</strong>
            <span>
              The certificate this address offers for download has the fingerprint the QR code
              carries. A page cannot see the certificate of its own connection: to be sure you
              reached the owner’s computer, compare the fingerprint your browser shows (the padlock
              or the warning’s details) with the one below.
            </span>
          </div>
        </div>
      ) : check.state === 'mismatch' ? (
        <div className="banner banner-error" role="alert" data-testid="cert-mismatch">
          <span className="banner-icon" aria-hidden="true">
            !
          </span>
          <div className="banner-body">
            <strong className="banner-title">Wrong certificate: do not use this key here</strong>
            <span>
              The QR code names{' '}
              <code className="fingerprint">{formatFingerprint(check.expected)}</code>, but this
              gateway offers another one. You may be on the wrong network, or someone is in between.
              Ask the owner.
            </span>
          </div>
        </div>
      ) : (
        <p className="muted">Compare this fingerprint with the one on the owner’s screen.</p>
      )}
      {check.state !== 'mismatch' ? (
        <p data-testid="cert-warning-explained">
          If your browser warned “Your connection is not private” on the way here: the owner’s
          computer made this certificate itself, so no public authority vouches for it. That is
          expected on a LAN. Install the certificate once (below) and the warning stops for good.
        </p>
      ) : null}
      <div className="field">
        <span className="field-label">SHA-256 fingerprint</span>
        <div className="copy-row">
          <code className="secret" data-testid="cert-fingerprint">
            {fp}
          </code>
          <CopyButton text={fp} what="the fingerprint" />
        </div>
      </div>
      {check.state !== 'mismatch' ? (
        <>
          <p>
            Your apps need to trust this certificate once.{' '}
            <a
              className="link"
              href="/connect/cert.pem"
              download="corral.pem"
              data-testid="cert-download"
            >
              Download the certificate (corral.pem)
            </a>{' '}
            ·{' '}
            <a className="link" href="/connect/cert.crt" download="corral.crt">
              Certificate for phones
            </a>
          </p>
          {steps.map((s) => (
            <details key={s.id} className="snippet" data-testid={`trust-${s.id}`}>
              <summary>
                <span className="snippet-title">{s.title}</span>
              </summary>
              <div className="stack">
                <p className="muted">{s.intro}</p>
                {s.code ? (
                  <div className="code-block">
                    <div className="code-head">
                      <span className="small muted">Shell</span>
                      <CopyButton text={s.code} what={s.title} />
                    </div>
                    <pre tabIndex={0}>
                      <code>{s.code}</code>
                    </pre>
                  </div>
                ) : null}
              </div>
            </details>
          ))}
        </>
      ) : null}
    </section>
  )
}
