// The window: a sidebar with the six views, the view in the main area. Views
// are addressed by the URL fragment (#keys), so the keyboard, the back button
// and reloads all work. The fragment never carries the token after load.
import { useEffect, useMemo, useState, type ReactNode } from 'react'
import { ollamaMissing } from './ollama/ollama-down.js'
import { ApiContext } from './api/context.js'
import type { CorralApi } from './api/client.js'
import { ApiError, UNAUTHORIZED } from './api/errors.js'
import { LiveProvider, useLive } from './live/live-context.js'
import { StatusProvider, useStatus } from './live/status-context.js'
import { ICONS, Logo } from './components/icons.js'
import { ShareView } from './views/share-view.js'
import { KeysView } from './views/keys-view.js'
import { AccessView } from './views/access-view.js'
import { BackendsView } from './views/backends-view.js'
import { ActivityView } from './views/activity-view.js'
import { SettingsView } from './views/settings-view.js'
import { ConfigProblemBanner } from './config/config-problem-banner.js'

export const VIEWS = [
  { id: 'share', label: 'Share', view: ShareView },
  { id: 'keys', label: 'Keys', view: KeysView },
  { id: 'access', label: 'Access', view: AccessView },
  { id: 'backends', label: 'Backends', view: BackendsView },
  { id: 'activity', label: 'Activity', view: ActivityView },
  { id: 'settings', label: 'Settings', view: SettingsView },
] as const
export type ViewId = (typeof VIEWS)[number]['id']

/** `#add-device` opens the Share view's "Add a device" dialog (the tray's menu item). */
export const ADD_DEVICE_HASH = '#add-device'
/** `#add-guest` opens the Keys view's "Add a guest" dialog (the tray's menu item). */
export const ADD_GUEST_HASH = '#add-guest'

function viewFromHash(hash: string): ViewId {
  const id = hash.replace(/^#\/?/, '')
  if (`#${id}` === ADD_GUEST_HASH) return 'keys'
  if (id === 'https') return 'settings'
  return VIEWS.find((v) => v.id === id)?.id ?? 'share'
}

function useHashView(): ViewId {
  const [view, setView] = useState<ViewId>(() => viewFromHash(window.location.hash))
  useEffect(() => {
    const onChange = () => setView(viewFromHash(window.location.hash))
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return view
}

/**
 * Wraps the API so that a refused token (401) anywhere switches the window to the
 * "open the new link" screen, once, instead of an error in every view.
 */
export function guardUnauthorized(api: CorralApi, onUnauthorized: () => void): CorralApi {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args)
        if (result instanceof Promise) {
          return result.catch((err: unknown) => {
            if (err instanceof ApiError && err.unauthorized) onUnauthorized()
            throw err
          })
        }
        return result
      }
    },
  })
}

export function App({ api }: { api: CorralApi }) {
  const [locked, setLocked] = useState(false)
  const guarded = useMemo(() => guardUnauthorized(api, () => setLocked(true)), [api])
  if (locked) return <Locked message={UNAUTHORIZED} />
  return (
    <ApiContext.Provider value={guarded}>
      <StatusProvider>
        <LiveProvider>
          <Shell />
        </LiveProvider>
      </StatusProvider>
    </ApiContext.Provider>
  )
}

export function Shell({ children }: { children?: ReactNode }) {
  const current = useHashView()
  const View = VIEWS.find((v) => v.id === current)?.view ?? ShareView
  useEffect(() => {
    document.title = `${VIEWS.find((v) => v.id === current)?.label ?? 'Share'} · Corral`
  }, [current])
  useEffect(
    () =>
      window.corral?.onNavigate?.((route) => {
        if (route === 'add-device') window.location.hash = ADD_DEVICE_HASH
        if (route === 'add-guest') window.location.hash = ADD_GUEST_HASH
        if (route === 'keys') window.location.hash = '#keys'
      }),
    [],
  )
  return (
    <div className="app">
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault()
          document.getElementById('main')?.focus()
        }}
      >
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <Logo size={28} />
          <span className="brand-name">Corral</span>
        </div>
        <nav aria-label="Sections">
          <ul className="nav">
            {VIEWS.map((v) => (
              <li key={v.id}>
                <a
                  href={`#${v.id}`}
                  className="nav-link"
                  aria-current={v.id === current ? 'page' : undefined}
                >
                  {ICONS[v.id]}
                  <span>{v.label}</span>
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <SidebarFooter />
      </aside>
      <main className="main" id="main" tabIndex={-1}>
        <div className="content">
          <ConfigProblemBanner />
          {children ?? <View key={current} />}
        </div>
      </main>
    </div>
  )
}

function SidebarFooter() {
  const status = useStatus()
  const live = useLive()
  const s = status.data
  const noOllama = s !== undefined && ollamaMissing(s)
  const state = !s ? 'unknown' : !s.sharing ? 'off' : noOllama ? 'warn' : 'up'
  const text = !s
    ? 'Connecting…'
    : !s.sharing
      ? 'Sharing off'
      : noOllama
        ? 'Ollama not running'
        : 'Sharing on'
  return (
    <div className="sidebar-footer">
      <div className="sharing-pill" data-state={state}>
        <span className={`dot dot-${state}`} aria-hidden="true" />
        <span>{text}</span>
      </div>
      <span className="muted small">
        {s ? `v${s.version}` : ''}
        {live.state === 'retrying' ? ' · reconnecting' : ''}
      </span>
    </div>
  )
}

/** Shown when the window has no valid control token: how to get one. */
export function Locked({ message }: { message: string }) {
  return (
    <div className="locked">
      <div className="locked-box card">
        <Logo size={40} />
        <h1 className="page-title">Corral</h1>
        <p>{message}</p>
        <p className="muted small">
          The link looks like <code>http://127.0.0.1:11436/#token=…</code>. The part after # stays
          in this browser: it is never sent over the network.
        </p>
      </div>
    </div>
  )
}
