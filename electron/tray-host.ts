// Linux: is there anything to show the tray icon? Electron's tray registers a
// StatusNotifierItem with the session bus's `org.kde.StatusNotifierWatcher` (electron
// shell/browser/ui/tray_icon_linux.cc, StatusIconLinuxDbus; a GTK status icon as a fallback,
// which GNOME no longer draws). Stock GNOME has no watcher unless the AppIndicator
// extension runs: the icon is then invisible and Corral looks as if it never started. When
// no watcher answers, the app opens its window and says what to install.
import { execFile } from 'node:child_process'

export type TrayHost = 'present' | 'absent' | 'unknown'

/** Runs a command; resolves with its stdout, or null when it could not run or failed. */
export type RunCommand = (file: string, args: string[]) => Promise<string | null>

const TRAY_HOST_CHECK_TIMEOUT_MS = 2000

export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: TRAY_HOST_CHECK_TIMEOUT_MS }, (err, stdout) =>
      resolve(err ? null : stdout),
    )
  })

/** Asks the session bus whether `org.kde.StatusNotifierWatcher` has an owner (gdbus, from GLib). */
export async function findTrayHost(run: RunCommand = runCommand): Promise<TrayHost> {
  const out = await run('gdbus', [
    'call',
    '--session',
    '--dest',
    'org.freedesktop.DBus',
    '--object-path',
    '/org/freedesktop/DBus',
    '--method',
    'org.freedesktop.DBus.NameHasOwner',
    'org.kde.StatusNotifierWatcher',
  ])
  if (out === null) return 'unknown'
  if (/\(true,?\)/.test(out)) return 'present'
  if (/\(false,?\)/.test(out)) return 'absent'
  return 'unknown'
}

export const NO_TRAY_TITLE = 'Corral runs, but its tray icon cannot be shown'
export const NO_TRAY_BODY =
  'Your desktop has no tray (StatusNotifierItem) host. On GNOME, install and enable the ' +
  'AppIndicator extension (gnome-shell-extension-appindicator) and log in again. Until ' +
  'then, launching Corral again opens this window.'

export interface TrayHostCheckOptions {
  platform: NodeJS.Platform
  /** How to find out; default: findTrayHost(). */
  find?: () => Promise<TrayHost>
  /** Called when no host answers: open the window, tell the user, log it. */
  onAbsent: (message: string) => void
}

/** Linux only; resolves once checked (tests await it). */
export async function setupTrayHostCheck(opts: TrayHostCheckOptions): Promise<TrayHost> {
  if (opts.platform !== 'linux') return 'unknown'
  const host = await (opts.find ?? findTrayHost)()
  if (host === 'absent') opts.onAbsent(`${NO_TRAY_TITLE}. ${NO_TRAY_BODY}`)
  return host
}
