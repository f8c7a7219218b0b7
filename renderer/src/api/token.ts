// Where the control token comes from: the desktop app's preload, or the URL
// fragment `corral serve` prints (`#token=...`, never sent to the server). It
// is kept in sessionStorage for reloads and taken out of the address bar.

/** What the desktop app's preload exposes (contextBridge; see electron/preload.ts). */
export interface CorralBridge {
  controlToken?: string | null
  /** Open an http(s) URL in the user's browser. */
  openExternal?: (url: string) => void
  /** The tray asks for a view ("add-device"); returns the unsubscribe function. */
  onNavigate?: (fn: (route: string) => void) => () => void
}

declare global {
  interface Window {
    corral?: CorralBridge
  }
}

export const TOKEN_STORAGE_KEY = 'corral.controlToken'
const TOKEN_IN_HASH = /(^#|&)token=([^&]*)/

/** The control token for this window, or null when it was opened without one. */
export function readControlToken(win: Window = window): string | null {
  const bridged = win.corral?.controlToken
  if (typeof bridged === 'string' && bridged) return bridged

  const hash = win.location.hash
  const m = TOKEN_IN_HASH.exec(hash)
  if (m) {
    const token = safeDecode(m[2] ?? '')
    // Out of the address bar (and so out of history, bookmarks and screen shares).
    const others = hash
      .slice(1)
      .split('&')
      .filter((part) => part !== '' && !part.startsWith('token='))
    const rest = others.length > 0 ? `#${others.join('&')}` : ''
    win.history.replaceState(
      win.history.state,
      '',
      win.location.pathname + win.location.search + rest,
    )
    if (token) {
      storage(win)?.setItem(TOKEN_STORAGE_KEY, token)
      return token
    }
  }
  return storage(win)?.getItem(TOKEN_STORAGE_KEY) ?? null
}

/** Whether this is the desktop app (it exposes a bridge), where some settings apply. */
export function isDesktop(win: Window = window): boolean {
  return win.corral !== undefined
}

function storage(win: Window): Storage | null {
  try {
    return win.sessionStorage
  } catch {
    return null // storage disabled: the token lives for this page only
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
