// Small building blocks shared by the views: copy button, switch, banners,
// fields, status dot, empty state, page header.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react'
import { copyText } from './copy.js'

const COPIED_MS = 1600

export function CopyButton({
  text,
  label = 'Copy',
  what,
  className = '',
}: {
  text: string
  label?: string
  /** What is copied, for screen readers: "Copy the key". */
  what?: string
  className?: string
}) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => () => clearTimeout(timer.current), [])
  const onClick = async () => {
    const ok = await copyText(text)
    setState(ok ? 'copied' : 'failed')
    clearTimeout(timer.current)
    timer.current = setTimeout(() => setState('idle'), COPIED_MS)
  }
  const shown = state === 'copied' ? 'Copied' : state === 'failed' ? 'Select & copy' : label
  return (
    <button
      type="button"
      className={`btn btn-secondary btn-sm copy-btn ${className}`}
      onClick={onClick}
      aria-label={what ? `${label}: ${what}` : undefined}
      data-state={state}
    >
      <span aria-hidden={state !== 'idle'}>{shown}</span>
      <span className="visually-hidden" role="status">
        {state === 'copied'
          ? 'Copied to the clipboard'
          : state === 'failed'
            ? 'Could not copy'
            : ''}
      </span>
    </button>
  )
}

export function Switch({
  checked,
  onChange,
  label,
  description,
  disabled = false,
  busy = false,
  ariaLabel,
}: {
  checked: boolean
  onChange: (next: boolean) => void
  label: ReactNode
  description?: ReactNode
  disabled?: boolean
  busy?: boolean
  /** A fuller name for assistive technology than the visible label. */
  ariaLabel?: string
}) {
  const id = useId()
  return (
    <div className="switch-row">
      <div className="switch-text">
        <span className="switch-label" id={`${id}-label`}>
          {label}
        </span>
        {description ? (
          <span className="switch-description" id={`${id}-desc`}>
            {description}
          </span>
        ) : null}
      </div>
      <button
        type="button"
        role="switch"
        className="switch"
        aria-checked={checked}
        aria-label={ariaLabel}
        aria-labelledby={ariaLabel ? undefined : `${id}-label`}
        aria-describedby={description ? `${id}-desc` : undefined}
        aria-busy={busy || undefined}
        disabled={disabled || busy}
        onClick={() => onChange(!checked)}
      >
        <span className="switch-thumb" aria-hidden="true" />
      </button>
    </div>
  )
}

export type Tone = 'error' | 'warning' | 'info' | 'success'

export function Banner({
  tone,
  title,
  children,
  onDismiss,
}: {
  tone: Tone
  title?: ReactNode
  children?: ReactNode
  onDismiss?: () => void
}) {
  const urgent = tone === 'error' || tone === 'warning'
  return (
    <div className={`banner banner-${tone}`} role={urgent ? 'alert' : 'status'}>
      <span className="banner-icon" aria-hidden="true">
        {tone === 'error' ? '!' : tone === 'warning' ? '!' : tone === 'success' ? '✓' : 'i'}
      </span>
      <div className="banner-body">
        {title ? <strong className="banner-title">{title}</strong> : null}
        {children ? <div className="banner-text">{children}</div> : null}
      </div>
      {onDismiss ? (
        <button type="button" className="btn btn-ghost btn-sm" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  )
}

/** An error from an action, or nothing. */
export function ErrorText({ error }: { error: string | null | undefined }) {
  if (!error) return null
  return <Banner tone="error">{error}</Banner>
}

export interface FieldProps {
  label: ReactNode
  hint?: ReactNode
  error?: string | null
  children: (ids: { id: string; describedBy: string | undefined; invalid: boolean }) => ReactNode
  className?: string
}

/** A label, the control (rendered by `children` with the ids to wire up), a hint and an error. */
export function Field({ label, hint, error, children, className = '' }: FieldProps) {
  const id = useId()
  const described = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ')
  return (
    <div className={`field ${className}`}>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {children({ id, describedBy: described || undefined, invalid: Boolean(error) })}
      {hint ? (
        <span className="field-hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
      {error ? (
        <span className="field-error" id={`${id}-error`}>
          {error}
        </span>
      ) : null}
    </div>
  )
}

export function StatusDot({ state, label }: { state: string; label?: string }) {
  return (
    <span
      className={`dot dot-${state}`}
      role={label ? 'img' : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
    />
  )
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string
  description?: ReactNode
  actions?: ReactNode
}) {
  return (
    <header className="page-header">
      <div>
        <h1 className="page-title">{title}</h1>
        {description ? <p className="page-description">{description}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  )
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-text">{children}</div> : null}
    </div>
  )
}

/** A segmented control: one choice of a few, as radio buttons. */
export function Segmented<T extends string>({
  label,
  value,
  options,
  onChange,
}: {
  label: string
  value: T
  options: Array<{ value: T; label: string }>
  onChange: (value: T) => void
}) {
  const name = useId()
  return (
    <div className="segmented" role="radiogroup" aria-label={label}>
      {options.map((o) => (
        <label key={o.value} className="segmented-option" data-checked={o.value === value}>
          <input
            type="radio"
            name={name}
            value={o.value}
            checked={o.value === value}
            onChange={() => onChange(o.value)}
          />
          <span>{o.label}</span>
        </label>
      ))}
    </div>
  )
}

export function Card({
  title,
  actions,
  children,
  className = '',
  id,
}: {
  title?: ReactNode
  actions?: ReactNode
  children: ReactNode
  className?: string
  id?: string
}) {
  const headingId = useId()
  return (
    <section
      className={`card ${className}`}
      aria-labelledby={title ? headingId : undefined}
      id={id}
    >
      {title || actions ? (
        <div className="card-header">
          {title ? (
            <h2 className="card-title" id={headingId}>
              {title}
            </h2>
          ) : (
            <span />
          )}
          {actions ? <div className="card-actions">{actions}</div> : null}
        </div>
      ) : null}
      {children}
    </section>
  )
}
