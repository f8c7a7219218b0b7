// "Start at login": the setting is `desktop.startAtLogin` in config.json (so the UI and
// the CLI can change it too); this keeps the OS in line with it. macOS and Windows use
// Electron's login items; Linux gets an XDG autostart entry. Launched at login, the app
// starts in the tray without opening its window (`--hidden`).
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { app } from 'electron'
import type { Logger } from '../gateway/util/logger.js'
import { dataDirArgs } from './paths.js'

export const HIDDEN_FLAG = '--hidden'

/** `desktop.startAtLogin` as the gateway keeps it (GET and PATCH /control/settings). */
export interface StartAtLoginSetting {
  /** The saved value; null while it is not known (the gateway is down). */
  read(): boolean | null
  save(on: boolean): Promise<void>
  /** Called with each changed value (from the UI, the CLI or config.json). */
  onChange(fn: (on: boolean) => void): () => void
}

export interface LoginItemOptions {
  /** Null: no gateway, the OS setting alone. */
  setting: StartAtLoginSetting | null
  logger: Logger
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  /** Called after the OS setting changed (the tray redraws). */
  onChange?: () => void
}

export interface LoginItem {
  isOn(): boolean
  set(on: boolean): Promise<void>
  dispose(): void
}

export function setupLoginItem(opts: LoginItemOptions): LoginItem {
  const platform = opts.platform ?? process.platform
  const env = opts.env ?? process.env
  const os_ = platform === 'linux' ? linuxAutostart(env) : electronLoginItem(platform, env)
  const apply = (on: boolean) => {
    if (os_.isOn() === on && (on || !os_.stale?.())) return
    try {
      os_.set(on)
    } catch (err) {
      opts.logger.warn(`Could not change "start at login": ${(err as Error).message}`)
    }
    opts.onChange?.()
  }
  const setting = opts.setting
  const saved = setting?.read()
  if (saved !== undefined && saved !== null) apply(saved)
  const off = setting?.onChange(apply) ?? (() => {})
  return {
    isOn: () => os_.isOn(),
    async set(on) {
      if (setting) await setting.save(on)
      apply(on)
    },
    dispose: off,
  }
}

/** Whether this launch came from the login item (start in the tray, no window). */
export function launchedAtLogin(
  argv: readonly string[] = process.argv,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true
}

interface OsLoginItem {
  isOn(): boolean
  set(on: boolean): void
  /** An entry of ours that isOn() does not see (an older command line): remove it on "off". */
  stale?(): boolean
}

/**
 * What Windows registers: this executable and, in a dev checkout, the app's folder (the bare
 * Electron binary would start Electron's default app), then `--hidden`. The same path and
 * args go to getLoginItemSettings, which compares the whole command line (electron
 * shell/browser/browser_win.cc, GetLoginItemSettings; docs/api/app.md: "pass the same
 * arguments here"). macOS keeps no args (SMAppService registers the bundle): there a dev
 * checkout registers Electron.app itself, which is why login items are for packaged builds.
 */
export function windowsLoginCommand(env: NodeJS.ProcessEnv = process.env): {
  path: string
  args: string[]
} {
  const app_ = app.isPackaged ? [] : [app.getAppPath()]
  return { path: process.execPath, args: [...app_, ...dataDirArgs(env), HIDDEN_FLAG] }
}

function electronLoginItem(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): OsLoginItem {
  const command = () => (platform === 'win32' ? windowsLoginCommand(env) : {})
  return {
    isOn: () => app.getLoginItemSettings(command()).openAtLogin,
    set: (on) => app.setLoginItemSettings({ openAtLogin: on, ...command() }),
    // Windows: our executable registered with other args (an older version's entry).
    stale: () =>
      platform === 'win32' && app.getLoginItemSettings(command()).executableWillLaunchAtLogin,
  }
}

/** `~/.config/autostart/corral.desktop` (freedesktop.org autostart spec). */
export function autostartFile(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config')
  return path.join(config, 'autostart', 'corral.desktop')
}

function linuxAutostart(env: NodeJS.ProcessEnv): OsLoginItem {
  const file = autostartFile(env)
  return {
    isOn: () => fs.existsSync(file),
    set(on) {
      if (!on) {
        fs.rmSync(file, { force: true })
        return
      }
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, desktopEntry(launchCommand(env)))
    },
  }
}

/** The command that starts this app: the AppImage, the installed binary, or `electron <app>`. */
export function launchCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const tail = [...dataDirArgs(env), HIDDEN_FLAG]
  if (env.APPIMAGE) return [env.APPIMAGE, ...tail]
  if (app.isPackaged) return [process.execPath, ...tail]
  return [process.execPath, app.getAppPath(), ...tail]
}

export function desktopEntry(command: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Corral',
    'Comment=Share your local Ollama on the LAN',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Icon=corral',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}

/**
 * One Exec= argument (Desktop Entry spec): quoted when needed, with `"`, `` ` ``, `$` and `\`
 * escaped inside quotes; then the string escape (`\\` for `\`), which applies first when
 * read; `%` doubled, as it starts a field code.
 */
export function quoteExecArg(arg: string): string {
  const quoted = /^[A-Za-z0-9_@+=:,./-]+$/.test(arg)
    ? arg
    : `"${arg.replace(/(["`$\\])/g, '\\$1')}"`
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%')
}
