// The tray menu as a pure function of the app's status: the same status gives the
// same items, which is what the tests check for each state.
import type { MenuItemConstructorOptions } from 'electron'
import { liveLine, type AppStatus } from './status.js'
import { escapeForTerminal } from '../gateway/untrusted/escape.js'

export interface TrayActions {
  setSharing(on: boolean): void
  copyUrl(url: string): void
  addDevice(): void
  /** A key for a visitor: expires, inference only, bound to their network. */
  addGuest(): void
  openWindow(): void
  setStartAtLogin(on: boolean): void
  /** "Share on this network": remember the network sharing paused on, and share. */
  shareHere(): void
  /** Opens the window at the Keys view (devices asking to use the GPU are answered there). */
  openKeys(): void
  /** "Pause everyone but me" on (until resumed) or off. */
  setPauseEveryone(on: boolean): void
  /** Opens the main process's log file; the item shows only when there is one. */
  showLog?(): void
  quit(): void
}

const HEADLINES: Record<AppStatus['state'], string> = {
  off: 'Corral: not sharing',
  sharing: 'Corral: sharing on the LAN',
  down: 'Corral: sharing, a backend is down',
  error: 'Corral: something is wrong',
}

export function trayMenuTemplate(s: AppStatus, a: TrayActions): MenuItemConstructorOptions[] {
  // Info lines carry outside names (who, backends, networks): control and bidi characters escaped.
  const info = (label: string): MenuItemConstructorOptions => ({
    label: escapeForTerminal(label),
    enabled: false,
  })
  const headline = s.pausedReason ? 'Corral: sharing paused on this network' : headlineOf(s)
  const items: MenuItemConstructorOptions[] = [info(headline)]
  if (s.error) items.push(info(s.error))
  // What is wrong with Ollama and what to do, right under the headline (sharing or not).
  if (noOllama(s) && s.ollama.message) items.push({ id: 'ollama', ...info(s.ollama.message) })
  if (s.pausedReason) {
    items.push(info(s.pausedReason), {
      id: 'share-here',
      label: 'Share on this network',
      click: () => a.shareHere(),
    })
  }
  if (s.devicesAsking.length > 0) items.push(devicesItem(s.devicesAsking, a))
  items.push(
    { type: 'separator' },
    {
      id: 'sharing',
      label: 'Share on LAN',
      type: 'checkbox',
      checked: s.sharing,
      enabled: s.running,
      click: () => a.setSharing(!s.sharing),
    },
  )
  if (s.urls.length === 0) {
    items.push({ id: 'url', label: 'No LAN address while not sharing', enabled: false })
  }
  for (const [i, url] of s.urls.entries()) {
    items.push({
      id: i === 0 ? 'url' : `url-${i + 1}`,
      label: url,
      toolTip: 'Click to copy',
      click: () => a.copyUrl(url),
    })
  }
  items.push(
    { id: 'add-device', label: 'Add a device…', enabled: s.running, click: () => a.addDevice() },
    { id: 'add-guest', label: 'Add a guest…', enabled: s.running, click: () => a.addGuest() },
    { type: 'separator' },
    { id: 'live', ...info(liveLine(s)) },
    ...s.who.map((line, i) => ({ id: `who-${i + 1}`, ...info(line) })),
    {
      id: 'pause-everyone',
      label: pauseEveryoneLabel(s.everyonePaused),
      type: 'checkbox',
      checked: s.everyonePaused !== null,
      enabled: s.running,
      click: () => a.setPauseEveryone(s.everyonePaused === null),
    },
    ...s.backendsDown.map((name) => info(`Backend down: ${name}`)),
    ...s.vulnerable.map((line) => info(line)),
    ...(s.exposureWarning ? [info('Ollama itself is open to the LAN (no keys)')] : []),
    { type: 'separator' },
    { id: 'open', label: 'Open Corral', enabled: s.running, click: () => a.openWindow() },
    {
      id: 'start-at-login',
      label: 'Start at login',
      type: 'checkbox',
      checked: s.startAtLogin,
      click: () => a.setStartAtLogin(!s.startAtLogin),
    },
    { type: 'separator' },
    ...(a.showLog ? [{ id: 'show-log', label: 'Show log', click: () => a.showLog?.() }] : []),
    { id: 'quit', label: 'Quit', click: () => a.quit() },
  )
  return items
}

/** "bob (ollama 0.13.1 on 192.168.1.23) asks to use your GPU" or "3 devices ask…": opens Keys. */
function devicesItem(labels: string[], a: TrayActions): MenuItemConstructorOptions {
  const label =
    labels.length === 1
      ? `${escapeForTerminal(labels[0]!)} asks to use your GPU…`
      : `${labels.length} devices ask to use your GPU…`
  return { id: 'devices-asking', label, click: () => a.openKeys() }
}

/** Every enabled backend down, or none at all: nothing can be answered. */
function noOllama(s: AppStatus): boolean {
  return s.ollama.state === 'down' || s.ollama.state === 'none'
}

/** "Ollama is not running" when nothing listens; "does not answer" for other failures. */
function ollamaProblem(s: AppStatus): string {
  if (s.ollama.state === 'none') return 'no Ollama to share'
  return s.ollama.message?.startsWith('Ollama is not running')
    ? 'Ollama is not running'
    : 'Ollama does not answer'
}

function headlineOf(s: AppStatus): string {
  if (s.state === 'down' && noOllama(s)) return `Corral: sharing, but ${ollamaProblem(s)}`
  return HEADLINES[s.state]
}

function pauseEveryoneLabel(paused: string | null): string {
  if (paused === null) return 'Pause everyone but me'
  if (paused === 'until resumed') return 'Pause everyone but me (on)'
  const at = new Date(paused).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  return `Pause everyone but me (until ${at})`
}

export function trayTooltip(s: AppStatus): string {
  if (s.error) return `Corral: ${s.error}`
  if (s.pausedReason) return `Corral: ${s.pausedReason}`
  if (!s.sharing) return 'Corral: not sharing'
  const url = s.urls[0] ?? ''
  // Short: Windows copies a tray tooltip into NOTIFYICONDATA's 128-character szTip (electron
  // shell/browser/ui/win/notify_icon.cc SetToolTip); the menu has the whole message.
  if (noOllama(s)) return `Corral: sharing on ${url}, but ${ollamaProblem(s)}`
  return s.backendsDown.length > 0
    ? `Corral: sharing on ${url}, a backend is down`
    : `Corral: sharing on ${url}`
}
