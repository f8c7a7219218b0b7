// The page a QR code opens: the gateway's addresses and the key, with copy
// buttons, and ready-made settings for common apps. The key comes from the
// URL fragment (#key=...), which the browser never sends to the server.
import { useCallback, useEffect, useMemo, useState } from 'react'
import { CopyButton } from '../components/controls.js'
import { Logo } from '../components/icons.js'
import { baseUrls, buildSnippets, KEY_PLACEHOLDER, type Snippet } from './snippets.js'
import { checkCertificate, fingerprintFromHash, type CertCheck } from './certificate-check.js'
import { CertificateSection } from './certificate-section.js'

const DEFAULT_MODEL = 'llama3.2'

/** `#key=crl_...` → the key, or null. */
export function keyFromHash(hash: string): string | null {
  const m = /(?:^#|&)key=([^&]+)/.exec(hash)
  if (!m?.[1]) return null
  try {
    return decodeURIComponent(m[1])
  } catch {
    return m[1]
  }
}

type Check =
  | { state: 'idle' | 'checking' }
  | { state: 'ok'; models: string[] }
  | { state: 'error'; message: string }

/** Asks the gateway which models this key may use (GET /v1/models). */
export async function checkConnection(
  origin: string,
  key: string,
  fetchFn: typeof fetch = fetch,
): Promise<Check> {
  let res: Response
  try {
    res = await fetchFn(`${origin}/v1/models`, {
      headers: { authorization: `Bearer ${key}` },
      cache: 'no-store',
      credentials: 'omit',
    })
  } catch {
    return {
      state: 'error',
      message: 'The gateway did not answer. Is this device on the same network, and is sharing on?',
    }
  }
  if (res.status === 401) {
    return {
      state: 'error',
      message:
        'The key was refused: it may have been revoked or copied wrong. Ask for a new QR code.',
    }
  }
  if (res.status === 403) {
    return {
      state: 'error',
      message: 'This device’s address may not connect. Ask the owner to allow it under Access.',
    }
  }
  if (!res.ok)
    return {
      state: 'error',
      message: `The gateway answered with an error (${res.status}). Try again in a moment.`,
    }
  try {
    const body = (await res.json()) as { data?: Array<{ id?: unknown }> }
    const models = (body.data ?? []).map((m) => String(m.id ?? '')).filter(Boolean)
    return { state: 'ok', models }
  } catch {
    return { state: 'ok', models: [] }
  }
}

/** A model for the examples: the first one that is not an embedding model. */
export function exampleModel(models: readonly string[]): string {
  return models.find((m) => !/embed/i.test(m)) ?? models[0] ?? DEFAULT_MODEL
}

export function ConnectPage({ origin, hash }: { origin: string; hash: string }) {
  const key = keyFromHash(hash)
  const pinned = fingerprintFromHash(hash)
  const [check, setCheck] = useState<Check>({ state: 'idle' })
  const [cert, setCert] = useState<CertCheck>({ state: 'checking' })
  const run = useCallback(async () => {
    const certCheck = await checkCertificate(origin, pinned)
    setCert(certCheck)
    // A certificate that is not the one the QR code names: the key is not sent to it.
    if (!key || certCheck.state === 'mismatch') return
    setCheck({ state: 'checking' })
    setCheck(await checkConnection(origin, key))
  }, [origin, key, pinned])
  useEffect(() => {
    void run()
  }, [run])
  const models = check.state === 'ok' ? check.models : []
  const model = exampleModel(models)
  const snippets = useMemo(
    () => buildSnippets({ origin, key: key ?? KEY_PLACEHOLDER, model }),
    [origin, key, model],
  )
  const urls = baseUrls(origin)
  // A problem with the certificate comes first; a verified one after the essentials.
  const certFirst = cert.state !== 'verified' && cert.state !== 'unpinned'
  const host = new URL(origin).host

  return (
    <main className="connect">
      <header className="connect-header">
        <Logo size={36} />
        <div>
          <h1>Connect to Corral</h1>
          <p className="muted">A shared Ollama at {host}</p>
        </div>
      </header>

      {!key ? (
        <div className="banner banner-warning" role="alert">
          <span className="banner-icon" aria-hidden="true">
            !
          </span>
          <div className="banner-body">
            <strong className="banner-title">No key in this link</strong>
            <span>
              Open the page by scanning the QR code, or ask the owner for a key. The examples below
              show {KEY_PLACEHOLDER} where it goes.
            </span>
          </div>
        </div>
      ) : cert.state === 'mismatch' ? null : (
        <CheckResult check={check} onRetry={() => void run()} />
      )}

      {certFirst ? <CertificateSection origin={origin} check={cert} /> : null}

      <section className="card stack" aria-labelledby="essentials">
        <h2 id="essentials" className="card-title">
          Your connection
        </h2>
        <Value label="API key" value={key ?? KEY_PLACEHOLDER} testId="key" />
        <Value label="Ollama URL" value={urls.ollama} testId="ollama-url" />
        <Value label="OpenAI-compatible URL" value={urls.openai} testId="openai-url" />
      </section>

      {certFirst ? null : <CertificateSection origin={origin} check={cert} />}

      <section className="stack" aria-labelledby="apps">
        <h2 id="apps" className="section-title">
          Set up an app
        </h2>
        {snippets.map((s, i) => (
          <SnippetCard key={s.id} s={s} open={i === 0} />
        ))}
      </section>

      <footer className="connect-footer muted small">
        The key stays on this device: it is in the part of the link after #, which browsers never
        send to a server. Keep it private — anyone with it can use this Ollama.
      </footer>
    </main>
  )
}

function CheckResult({ check, onRetry }: { check: Check; onRetry: () => void }) {
  return (
    <div className="check-result" aria-live="polite" data-state={check.state}>
      {check.state === 'ok' ? (
        <div className="banner banner-success">
          <span className="banner-icon" aria-hidden="true">
            ✓
          </span>
          <div className="banner-body">
            <strong className="banner-title">Connected</strong>
            <span>
              {check.models.length === 0
                ? 'The key works. No models are installed yet.'
                : `The key works. ${check.models.length} model${check.models.length === 1 ? '' : 's'}: ${check.models.join(', ')}`}
            </span>
          </div>
        </div>
      ) : check.state === 'error' ? (
        <div className="banner banner-error" role="alert">
          <span className="banner-icon" aria-hidden="true">
            !
          </span>
          <div className="banner-body">
            <strong className="banner-title">Not connected</strong>
            <span>{check.message}</span>
          </div>
          <button type="button" className="btn btn-secondary btn-sm" onClick={onRetry}>
            Try again
          </button>
        </div>
      ) : (
        <div className="banner">
          <span className="banner-icon" aria-hidden="true">
            …
          </span>
          <div className="banner-body">
            <span>Checking the connection…</span>
          </div>
        </div>
      )}
    </div>
  )
}

function Value({ label, value, testId }: { label: string; value: string; testId?: string }) {
  const id = `value-${testId ?? label}`
  return (
    <div className="field">
      <span className="field-label" id={id}>
        {label}
      </span>
      <div className="copy-row">
        <code className="secret" aria-labelledby={id} data-testid={testId}>
          {value}
        </code>
        <CopyButton text={value} what={label} />
      </div>
    </div>
  )
}

function SnippetCard({ s, open }: { s: Snippet; open: boolean }) {
  return (
    <details className="card snippet" open={open} data-testid={`snippet-${s.id}`}>
      <summary>
        <span className="snippet-title">{s.title}</span>
      </summary>
      <div className="stack">
        <p className="muted">{s.intro}</p>
        {s.fields?.map((f) => (
          <Value key={f.label} label={f.label} value={f.value} testId={`${s.id}-${f.label}`} />
        ))}
        {s.blocks?.map((b) => (
          <div key={b.label} className="code-block">
            <div className="code-head">
              <span className="small muted">{b.label}</span>
              <CopyButton text={b.code} what={`${s.title}, ${b.label}`} />
            </div>
            <pre tabIndex={0}>
              <code>{b.code}</code>
            </pre>
          </div>
        ))}
      </div>
    </details>
  )
}
