// Login items as Electron stores them (electron shell/browser/browser_win.cc): one value
// under HKCU\...\Run, named by the app's AppUserModelId (or `settings.name`), holding the
// command line `AddQuoteForArg(path) + ' ' + AddQuoteForArg(arg)...`
// (shell/common/command_line_util_win.cc). `getLoginItemSettings(options)` reports
// `openAtLogin` only when that value equals the command line built from ITS options: the
// same path and args must be passed to both calls (docs/api/app.md). macOS keeps no
// args (SMAppService); passing none to either call, as the app does there, matches.

export interface LoginItemSettingsIn {
  openAtLogin?: boolean
  path?: string
  args?: string[]
  name?: string
  enabled?: boolean
}

/** CommandLineToArgvW quoting, as electron's AddQuoteForArg does it. */
export function addQuoteForArg(arg: string): string {
  if (!/[ \\"]/.test(arg)) return arg
  let out = '"'
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i]!
    if (c === '\\') {
      let end = i + 1
      while (end < arg.length && arg[end] === '\\') end++
      const count = end - i
      out += '\\'.repeat(end === arg.length || arg[end] === '"' ? count * 2 : count)
      i = end - 1
    } else if (c === '"') {
      out += '\\"'
    } else {
      out += c
    }
  }
  return `${out}"`
}

/** FormatCommandLineString: the executable (default process.execPath) and its args. */
export function formatCommandLine(path: string | undefined, args: string[] | undefined): string {
  let exe = path || process.execPath
  if (exe.length >= 2 && exe.startsWith('"') && exe.endsWith('"')) exe = exe.slice(1, -1)
  return [exe, ...(args ?? [])].map(addQuoteForArg).join(' ')
}

export class FakeLoginItems {
  /** HKCU Run: value name -> command line. */
  readonly run = new Map<string, string>()
  /** What setLoginItemSettings was called with, in order. */
  calls: LoginItemSettingsIn[] = []
  /** macOS: this launch came from the login item (set by a test). */
  wasOpenedAtLogin = false

  constructor(private readonly appUserModelId: () => string) {}

  set(settings: LoginItemSettingsIn): void {
    this.calls.push(settings)
    const name = settings.name || this.appUserModelId()
    if (settings.openAtLogin) this.run.set(name, formatCommandLine(settings.path, settings.args))
    else this.run.delete(name)
  }

  get(options: { path?: string; args?: string[] } = {}) {
    const value = this.run.get(this.appUserModelId())
    const lookup = (options.path || process.execPath).toLowerCase()
    const launchItems = [...this.run].flatMap(([name, cmd]) =>
      programOf(cmd).toLowerCase() === lookup
        ? [{ name, path: programOf(cmd), args: [], scope: 'user', enabled: true }]
        : [],
    )
    return {
      openAtLogin: value !== undefined && value === formatCommandLine(options.path, options.args),
      wasOpenedAtLogin: this.wasOpenedAtLogin,
      executableWillLaunchAtLogin: launchItems.length > 0,
      launchItems,
    }
  }

  reset(): void {
    this.run.clear()
    this.calls = []
    this.wasOpenedAtLogin = false
  }
}

/** The program part of a command line (quoted or up to the first space). */
function programOf(cmd: string): string {
  if (cmd.startsWith('"')) return cmd.slice(1, cmd.indexOf('"', 1))
  const space = cmd.indexOf(' ')
  return space === -1 ? cmd : cmd.slice(0, space)
}
