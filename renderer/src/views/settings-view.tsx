// Settings: ports, bind address, mDNS, retention, default limits, the queue, start at login.
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { useApi } from '../api/context.js'
import { isDesktop } from '../api/token.js'
import type { SettingsPatch } from '../api/types.js'
import { formOf, patchOf, type Form } from './settings-form.js'
import { useAction, useResource } from '../hooks/use-resource.js'
import { Banner, Card, ErrorText, Field, PageHeader, Switch } from '../components/controls.js'
import { HttpsCard } from '../security/https-card.js'
import { NetworksCard } from '../security/networks-card.js'

const RESTART_TEXT: Record<string, string> = {
  'server.host': 'bind address',
  'server.port': 'gateway port',
  'server.controlPort': 'control port',
}

export function SettingsView() {
  const api = useApi()
  const settings = useResource(() => api.settings(), [api])
  const [form, setForm] = useState<Form | null>(null)
  const [saved, setSaved] = useState(false)
  const base = settings.data ? formOf(settings.data) : null
  useEffect(() => {
    if (settings.data) setForm(formOf(settings.data))
  }, [settings.data])
  const save = useAction(async (patch: SettingsPatch) => {
    settings.set(await api.updateSettings(patch))
    setSaved(true)
  })

  if (!form || !base || !settings.data) {
    return (
      <>
        <PageHeader title="Settings" />
        {settings.error ? (
          <Banner tone="error">{settings.error}</Banner>
        ) : (
          <div className="skeleton-page" aria-busy="true" />
        )}
      </>
    )
  }
  const s = settings.data
  const patch = patchOf(base, form)
  const dirty = Object.keys(patch).length > 0
  const set = <K extends keyof Form>(k: K, v: Form[K]) => {
    setSaved(false)
    save.clear()
    setForm((f) => (f ? { ...f, [k]: v } : f))
  }
  const text = (
    k: keyof Form,
    label: string,
    props: {
      hint?: ReactNode
      placeholder?: string
      mono?: boolean
      type?: string
      min?: number
      max?: number
      step?: number
    } = {},
  ) => (
    <Field label={label} hint={props.hint}>
      {({ id, describedBy }) => (
        <input
          id={id}
          className={`input ${props.mono ? 'mono' : ''}`}
          type={props.type ?? 'text'}
          inputMode={props.type === 'number' ? 'numeric' : undefined}
          min={props.min}
          max={props.max}
          step={props.step}
          placeholder={props.placeholder}
          value={form[k] as string}
          aria-describedby={describedBy}
          onChange={(e) => set(k, e.target.value as Form[typeof k])}
        />
      )}
    </Field>
  )
  const submit = (e: FormEvent) => {
    e.preventDefault()
    if (dirty) void save.run(patch)
  }
  const restart = s.restartRequired.map((p) => RESTART_TEXT[p] ?? p)
  const hostKnown =
    form.host === '0.0.0.0' ||
    form.host === '127.0.0.1' ||
    s.addresses.some((a) => a.address === form.host)
  return (
    <>
      <PageHeader
        title="Settings"
        description={`Corral ${s.running.version}. Changes are saved to config.json in the data folder.`}
      />
      <form className="stack-lg settings" onSubmit={submit}>
        {restart.length > 0 ? (
          <Banner tone="info" title="Restart Corral to apply">
            The new {restart.join(', ')} take{restart.length === 1 ? 's' : ''} effect the next time
            Corral starts.
          </Banner>
        ) : null}
        {s.overridden.length > 0 ? (
          <Banner tone="info">
            Set by a command-line flag or environment variable for this run:{' '}
            {s.overridden.join(', ')}. Saved values apply when Corral starts without them.
          </Banner>
        ) : null}
        <Card title="Network">
          <div className="grid-2">
            <Field label="Listen on" hint="Where teammates connect while sharing is on.">
              {({ id, describedBy }) => (
                <select
                  id={id}
                  className="input"
                  value={hostKnown ? form.host : '__other'}
                  aria-describedby={describedBy}
                  onChange={(e) => set('host', e.target.value === '__other' ? '' : e.target.value)}
                >
                  <option value="0.0.0.0">Every network (0.0.0.0)</option>
                  <option value="127.0.0.1">This computer only (127.0.0.1)</option>
                  {s.addresses
                    .filter((a) => a.address !== '127.0.0.1')
                    .map((a) => (
                      <option key={a.address} value={a.address}>
                        {a.name} only ({a.address})
                      </option>
                    ))}
                  <option value="__other">Another address…</option>
                </select>
              )}
            </Field>
            {hostKnown ? (
              <div />
            ) : (
              text('host', 'Address', { mono: true, placeholder: '192.168.1.20' })
            )}
            {text('port', 'Gateway port', {
              type: 'number',
              min: 0,
              max: 65535,
              hint: `Now: ${s.running.gatewayUrls[0] ?? 'not sharing'}`,
            })}
            {text('controlPort', 'Control window port', {
              type: 'number',
              min: 0,
              max: 65535,
              hint: `Now: ${s.running.controlPort}`,
            })}
            {text('basePath', 'Base path', {
              mono: true,
              placeholder: '/ollama',
              hint: 'Also answer under this prefix, for clients set up for a proxy path.',
            })}
          </div>
        </Card>
        <HttpsCard settings={s} onSaved={settings.set} />
        <NetworksCard settings={s} onSaved={settings.set} />
        <Card title="Discovery">
          <div className="stack">
            <Switch
              checked={form.mdns}
              onChange={(v) => set('mdns', v)}
              label="Announce on the network (mDNS)"
              description="Lets other Corral gateways find this one, and lists Ollama servers found nearby in Backends."
            />
            {text('name', 'Name on the network', { placeholder: 'This computer’s name' })}
          </div>
        </Card>
        <Card title="Request history">
          <div className="stack">
            <Switch
              checked={form.statsEnabled}
              onChange={(v) => set('statsEnabled', v)}
              label="Count tokens"
              description="Reads token counts from answers for the charts and limits."
            />
            <div className="grid-2">
              {text('retentionDays', 'Keep each request for (days)', { type: 'number', min: 1 })}
              {text('rollupRetentionDays', 'Keep per-minute totals for (days)', {
                type: 'number',
                min: 1,
              })}
            </div>
          </div>
        </Card>
        <Card title="Default limits">
          <div className="stack">
            <Switch
              checked={form.limitsEnabled}
              onChange={(v) => set('limitsEnabled', v)}
              label="Enforce limits"
              description="Per-key limits apply on top of these defaults. Blank means no limit."
            />
            <div className="grid-3">
              {text('requests', 'Requests', { type: 'number', min: 1, placeholder: 'No limit' })}
              {text('windowSeconds', 'Per (seconds)', { type: 'number', min: 1, max: 86400 })}
              {text('tokensPerMinute', 'Tokens per minute', {
                type: 'number',
                min: 1,
                placeholder: 'No limit',
              })}
              {text('concurrency', 'Requests at once', {
                type: 'number',
                min: 1,
                placeholder: 'No limit',
              })}
              {text('maxOutputTokens', 'Longest answer (tokens)', {
                type: 'number',
                min: 1,
                placeholder: 'No limit',
              })}
            </div>
          </div>
        </Card>
        <Card title="Queue">
          <div className="stack">
            <div className="grid-2">
              {text('maxQueuedPerKey', 'Waiting requests per key', { type: 'number', min: 1 })}
              {text('maxWaitSeconds', 'Longest wait (seconds)', {
                type: 'number',
                min: 0.1,
                step: 0.1,
              })}
            </div>
            <Switch
              checked={form.localPriority}
              onChange={(v) => set('localPriority', v)}
              label="This computer goes first"
              description="Requests from this machine skip ahead of the LAN's."
            />
          </div>
        </Card>
        <Card title="Desktop">
          <Switch
            checked={form.startAtLogin}
            onChange={(v) => set('startAtLogin', v)}
            label="Start Corral when I log in"
            description={
              isDesktop()
                ? 'Opens in the tray.'
                : 'Applies to the desktop app; corral serve is started by you or your service manager.'
            }
            disabled={!isDesktop()}
          />
        </Card>
        <ErrorText error={save.error} />
        <div className="save-bar" role="region" aria-label="Save" data-dirty={dirty}>
          <span className="muted small" aria-live="polite">
            {save.busy ? 'Saving…' : saved && !dirty ? 'Saved.' : dirty ? 'Unsaved changes.' : ''}
          </span>
          <div className="row">
            <button
              type="button"
              className="btn btn-secondary"
              disabled={!dirty || save.busy}
              onClick={() => setForm(base)}
            >
              Undo changes
            </button>
            <button type="submit" className="btn btn-primary" disabled={!dirty || save.busy}>
              Save changes
            </button>
          </div>
        </div>
      </form>
    </>
  )
}
