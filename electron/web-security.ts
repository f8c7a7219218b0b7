// Rules for every web page the app shows: no new windows (http(s) links open in the
// browser instead), no navigation away from the control listener, no <webview>, no
// permissions but writing to the clipboard (the UI's copy buttons).
import { app, session, shell, type WebContents } from 'electron'
import type { Logger } from '../gateway/util/logger.js'

export interface WebSecurityOptions {
  /** `http://127.0.0.1:PORT`: the only origin pages may be on. */
  controlOrigin: () => string | null
  logger: Logger
}

export function originOf(url: string): string | null {
  try {
    const u = new URL(url)
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null
  } catch {
    return null
  }
}

export function isWebUrl(url: string): boolean {
  return originOf(url) !== null
}

/** Opens http(s) links in the user's browser; anything else (file:, custom schemes) is dropped. */
export function openExternally(url: string, logger: Logger): void {
  if (!isWebUrl(url)) {
    logger.warn(`Refused to open ${JSON.stringify(url.slice(0, 200))}: not an http(s) link.`)
    return
  }
  shell.openExternal(url).catch((err: unknown) => {
    logger.warn(`Opening ${url} in the browser failed: ${(err as Error).message}`)
  })
}

/** Applies the rules to one page. Exported for tests; `setupWebSecurity` does it for all. */
export function secureContents(contents: WebContents, opts: WebSecurityOptions): void {
  const inside = (url: string) => {
    const origin = opts.controlOrigin()
    return origin !== null && originOf(url) === origin
  }
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url, opts.logger)
    return { action: 'deny' }
  })
  contents.on('will-navigate', (event) => {
    if (inside(event.url)) return
    event.preventDefault()
    openExternally(event.url, opts.logger)
  })
  contents.on('will-redirect', (event) => {
    if (!inside(event.url)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

export function setupWebSecurity(opts: WebSecurityOptions): void {
  app.on('web-contents-created', (_event, contents) => secureContents(contents, opts))
  const allowed = (permission: string, origin: string) =>
    permission === 'clipboard-sanitized-write' && originOf(origin) === opts.controlOrigin()
  session.defaultSession.setPermissionRequestHandler((contents, permission, callback) => {
    callback(allowed(permission, contents.getURL()))
  })
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    allowed(permission, requestingOrigin),
  )
}
